"""Calls an OpenAI-compatible endpoint (switchyard's gateway) with the official `openai`
Python package, as a Python agent would, and prints what the client received as JSON.

test/gateway/python-openai-client.test.ts runs this with the venv of
scripts/python-venv.sh and compares the printed values with what its upstream served, so
the script reports the values it got (texts, ids, usage, tool calls, vectors, error
classes and statuses), never a bare "ok".

    OPENAI_API_KEY=<gateway key> python gateway_client.py --base-url http://127.0.0.1:4000/v1 \
        --model <route or provider/model> [--scenarios chat,stream,tools,embeddings,errors]

The key comes from the environment (where the openai client itself reads it), so it is not
on the command line that process listings show, and it is never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

import openai

ALL_SCENARIOS = ("chat", "stream", "tools", "embeddings", "errors")

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

# What the "tool" answers on the second turn; the test finds it in the upstream request.
WEATHER_RESULT = '{"city": "Paris", "temperature_c": 21}'

# A well-formed virtual key that no config lists; the test checks the 401 does not echo it.
WRONG_KEY = "sy-not-a-key-the-gateway-knows-0123456789abcdefghijk"

# Headers the gateway answers with (DESIGN.md, "The gateway").
SWITCHYARD_HEADERS = (
    "x-switchyard-cost-usd",
    "x-switchyard-provider",
    "x-switchyard-model",
    "x-switchyard-attempts",
)


def step_headers(step: str) -> dict[str, str]:
    """The workflow and step headers each call carries, so its span can be found by step."""
    return {"x-switchyard-workflow": "python-client", "x-switchyard-step": step}


def switchyard_headers(headers: Any) -> dict[str, str | None]:
    return {name: headers.get(name) for name in SWITCHYARD_HEADERS}


def usage_of(usage: Any) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        # Fields OpenAI does not define (the gateway's cost in a stream's usage chunk):
        # the client keeps them on the model as extras.
        "extra": dict(usage.model_extra or {}),
    }


def tool_calls_of(message: Any) -> list[dict[str, Any]]:
    return [
        {"id": call.id, "type": call.type, "name": call.function.name, "arguments": call.function.arguments}
        for call in (message.tool_calls or [])
    ]


def run_chat(client: openai.OpenAI, model: str) -> dict[str, Any]:
    raw = client.chat.completions.with_raw_response.create(
        model=model,
        messages=[{"role": "user", "content": "Say hello."}],
        max_tokens=64,
        extra_headers=step_headers("chat"),
    )
    completion = raw.parse()
    choice = completion.choices[0]
    return {
        "status": raw.status_code,
        "headers": switchyard_headers(raw.headers),
        "id": completion.id,
        "object": completion.object,
        "model": completion.model,
        "content": choice.message.content,
        "role": choice.message.role,
        "finish_reason": choice.finish_reason,
        "usage": usage_of(completion.usage),
    }


def run_stream(client: openai.OpenAI, model: str) -> dict[str, Any]:
    raw = client.chat.completions.with_raw_response.create(
        model=model,
        messages=[{"role": "user", "content": "Say hello, slowly."}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers=step_headers("stream"),
    )
    content: list[str] = []
    finish_reason = None
    usage = None
    usage_chunk_choices = None
    chunk_count = 0
    ids: set[str] = set()
    for chunk in raw.parse():
        chunk_count += 1
        ids.add(chunk.id)
        if chunk.usage is not None:
            usage = usage_of(chunk.usage)
            usage_chunk_choices = len(chunk.choices)
        for choice in chunk.choices:
            if choice.delta.content:
                content.append(choice.delta.content)
            if choice.finish_reason is not None:
                finish_reason = choice.finish_reason
    return {
        "status": raw.status_code,
        "content_type": raw.headers.get("content-type"),
        "headers": switchyard_headers(raw.headers),
        "chunks": chunk_count,
        "ids": sorted(ids),
        "content": "".join(content),
        "finish_reason": finish_reason,
        "usage": usage,
        "usage_chunk_choices": usage_chunk_choices,
    }


def run_tools(client: openai.OpenAI, model: str) -> dict[str, Any]:
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER_TOOL], extra_headers=step_headers("tools")
    )
    asked = first.choices[0].message
    # As the openai docs' tool loop does: the assistant message goes back as received,
    # followed by one tool message per call.
    messages.append(asked)
    for call in asked.tool_calls or []:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": WEATHER_RESULT})
    second = client.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER_TOOL], extra_headers=step_headers("tools")
    )
    return {
        "first": {
            "finish_reason": first.choices[0].finish_reason,
            "tool_calls": tool_calls_of(asked),
            "usage": usage_of(first.usage),
        },
        "second": {
            "finish_reason": second.choices[0].finish_reason,
            "content": second.choices[0].message.content,
            "usage": usage_of(second.usage),
        },
        "tool_result": WEATHER_RESULT,
    }


def run_embeddings(client: openai.OpenAI, model: str) -> dict[str, Any]:
    # No encoding_format: the client then asks for base64 and decodes it itself, as every
    # Python user's call does.
    response = client.embeddings.create(
        model=model, input=["first text", "second text"], extra_headers=step_headers("embeddings")
    )
    return {
        "model": response.model,
        "vectors": [{"index": item.index, "embedding": list(item.embedding)} for item in response.data],
        "usage": {"prompt_tokens": response.usage.prompt_tokens, "total_tokens": response.usage.total_tokens},
    }


def error_summary(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        call()
    except openai.APIStatusError as error:
        body = error.body if isinstance(error.body, dict) else {}
        return {
            "class": type(error).__name__,
            "is_bad_request": isinstance(error, openai.BadRequestError),
            "is_not_found": isinstance(error, openai.NotFoundError),
            "is_authentication": isinstance(error, openai.AuthenticationError),
            "status": error.status_code,
            "message": body.get("message"),
            "type": body.get("type"),
            "code": body.get("code"),
            "param": body.get("param"),
            "text": str(error),
        }
    return {"class": None, "status": None}


def run_errors(client: openai.OpenAI, model: str, unknown_model: str) -> dict[str, Any]:
    bad_request = error_summary(
        lambda: client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "hi"}],
            max_tokens="many",  # type: ignore[arg-type]  # the point: a wrong type
            extra_headers=step_headers("errors"),
        )
    )
    unknown = error_summary(
        lambda: client.chat.completions.create(
            model=unknown_model, messages=[{"role": "user", "content": "hi"}], extra_headers=step_headers("errors")
        )
    )
    # A key the gateway does not know, on an otherwise good request.
    stranger = client.with_options(api_key=WRONG_KEY)
    unauthorized = error_summary(
        lambda: stranger.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], extra_headers=step_headers("errors")
        )
    )
    return {"bad_request": bad_request, "unknown_model": unknown, "unauthorized": unauthorized, "wrong_key": WRONG_KEY}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the gateway's OpenAI base URL, ending in /v1")
    parser.add_argument("--model", required=True, help="a route name or provider/model")
    parser.add_argument("--embedding-model", default=None, help="the model for embeddings (default: --model)")
    parser.add_argument("--unknown-model", default="no-such-route", help="a model the gateway does not know")
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS), help="comma-separated, run in this order")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    arguments = parser.parse_args()

    scenarios = [name for name in arguments.scenarios.split(",") if name]
    unknown = [name for name in scenarios if name not in ALL_SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {list(ALL_SCENARIOS)}")

    # No retries: each call is one request, so the test can count what reached the upstream.
    client = openai.OpenAI(base_url=arguments.base_url, max_retries=0, timeout=arguments.timeout)
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "chat": lambda: run_chat(client, arguments.model),
        "stream": lambda: run_stream(client, arguments.model),
        "tools": lambda: run_tools(client, arguments.model),
        "embeddings": lambda: run_embeddings(client, arguments.embedding_model or arguments.model),
        "errors": lambda: run_errors(client, arguments.model, arguments.unknown_model),
    }
    summary: dict[str, Any] = {"openai_version": openai.__version__, "python_version": sys.version.split()[0]}
    for name in scenarios:
        summary[name] = runners[name]()
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
