import OpenAI from 'openai'
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { Router } from '../../src/router/create-router.js'
import type { ChatRequest } from '../../src/router/chat-request.js'
import * as fixtures from '../fixtures/sdk-harness/openai-chat.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import * as conversation from './conversation.js'
import { maxTokens, openingMessages, systemPrompt, temperature, toolResultFor, tools, userQuestion } from './conversation.js'
import { apiKey, harnessRouter, models, parsedOfSwitchyard, routedCall, usageOf, wireOf, type Parsed, type Wire } from './harness.js'

/*
 * OpenAI Chat Completions: the official `openai` client (v6) and switchyard's router,
 * both pointed at one loopback server, send the same conversation and read the same
 * recorded answers; what each put on the wire and what each parsed must agree.
 */

let server: ProviderServer
let router: Router
let client: OpenAI

beforeAll(async () => {
  server = await startProviderServer()
  router = harnessRouter(server.url)
  client = new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 5_000 })
})
afterAll(async () => {
  await router.close()
  await server.close()
})

const sdkTools = tools.map((tool) => ({
  type: 'function' as const,
  function: { name: tool.name, description: tool.description, parameters: tool.parameters },
}))

/** The finish reasons of the Chat Completions reference, in switchyard's words. */
const finishReasons: Record<string, FinishReason> = { stop: 'stop', tool_calls: 'tool_calls', length: 'length', content_filter: 'content_filter' }

/** What the SDK parsed, in the harness's shape; usage by the OpenAI convention (prompt includes cached, completion includes reasoning). */
function parsedOfSdk(completion: ChatCompletion): Parsed {
  const choice = completion.choices[0]
  if (choice === undefined) throw new Error('the SDK parsed no choice')
  const usage = completion.usage
  return {
    text: choice.message.content ?? '',
    toolCalls: (choice.message.tool_calls ?? []).map((call) => {
      if (call.type !== 'function') throw new Error(`unexpected tool call type ${call.type}`)
      return { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown }
    }),
    usage: usageOf({
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      cacheReadInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      cacheWriteInputTokens: usage?.prompt_tokens_details?.cache_write_tokens ?? 0,
      reasoningOutputTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    }),
    finishReason: finishReasons[choice.finish_reason] ?? 'other',
  }
}

/** One call through the SDK, plain or streamed (the stream helper's final completion), and what it put on the wire. */
async function sdkCall(params: ChatCompletionCreateParamsNonStreaming, answer: unknown, streamed: boolean): Promise<{ wire: Wire; parsed: Parsed }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const completion = streamed
    // A user of the SDK asks for usage on a stream with stream_options; without it the stream carries none.
    ? await client.chat.completions.stream({ ...params, stream: true, stream_options: { include_usage: true } }).finalChatCompletion()
    : await client.chat.completions.create(params)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSdk(completion) }
}

async function switchyardCall(request: ChatRequest, answer: unknown, streamed: boolean): Promise<{ wire: Wire; parsed: Parsed }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const result = await routedCall(router, request, streamed)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSwitchyard(result) }
}

/** What a case adds to the plain conversation, on each side. */
interface CaseOptions {
  sdkParams?: Partial<ChatCompletionCreateParamsNonStreaming>
  request?: Partial<ChatRequest>
  /** Replaces the user's question (same meaning on both sides). */
  user?: { sdk: ChatCompletionMessageParam; switchyard: ChatMessage }
}

/** Runs both clients through the same answers, turn by turn, each feeding its own parse back as the next turn. */
async function compareConversation(answers: unknown[], streamed: boolean, options: CaseOptions = {}): Promise<Parsed[]> {
  const sdkMessages: ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt },
    options.user?.sdk ?? { role: 'user', content: userQuestion },
  ]
  const messages = openingMessages()
  if (options.user !== undefined) messages[1] = options.user.switchyard
  const parsedTurns: Parsed[] = []
  for (const answer of answers) {
    const params = { model: models.openai, messages: structuredClone(sdkMessages), tools: sdkTools, max_completion_tokens: maxTokens, temperature, ...options.sdkParams }
    const sdk = await sdkCall(params, answer, streamed)
    const switchyard = await switchyardCall({ route: 'openai', messages: structuredClone(messages), tools, maxTokens, temperature, ...options.request }, answer, streamed)
    expect(switchyard.wire, 'switchyard and the SDK put the same request on the wire').toEqual(sdk.wire)
    expect(switchyard.parsed, 'switchyard and the SDK read the same answer').toEqual(sdk.parsed)
    parsedTurns.push(sdk.parsed)
    const calls = sdk.parsed.toolCalls
    // The SDK's user echoes the assistant turn with the fields the request type takes.
    sdkMessages.push({
      role: 'assistant',
      content: sdk.parsed.text === '' ? null : sdk.parsed.text,
      ...(calls.length > 0 ? { tool_calls: calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } })) } : {}),
    })
    messages.push({ role: 'assistant', content: switchyard.parsed.text === '' ? null : switchyard.parsed.text, toolCalls: calls.map((call) => ({ id: call.id, name: call.name, arguments: JSON.stringify(call.arguments) })) })
    for (const call of calls) {
      sdkMessages.push({ role: 'tool', tool_call_id: call.id, content: toolResultFor(call.name) })
      messages.push({ role: 'tool', toolCallId: call.id, content: toolResultFor(call.name) })
    }
  }
  return parsedTurns
}

describe.each([false, true])('OpenAI Chat Completions against the openai SDK (streamed: %s)', (streamed) => {
  it('sends and reads a three-turn tool loop with two tools like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.toolLoopStreams : fixtures.toolLoopAnswers, streamed)
    expect(turns.map((turn) => turn.toolCalls.map((call) => call.name))).toEqual([['get_weather'], ['get_local_time'], []])
    expect(turns[2]).toMatchObject({ text: 'Yes: 21 °C and clear in Lisbon, where it is 18:42.', finishReason: 'stop' })
    expect(turns[0]?.usage.reasoningOutputTokens).toBe(64)
    expect(turns[2]?.usage.cacheReadInputTokens).toBe(128)
    const sent = wireOf(server.lastRequest())
    expect(sent.path).toBe('/v1/chat/completions')
    expect(sent.headers.authorization).toBe(`Bearer ${apiKey}`)
  })

  it('keys the prompt cache (prompt_cache_key through providerOptions) and reads cache writes and reads like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.cachingStreams : fixtures.cachingAnswers, streamed, {
      sdkParams: { prompt_cache_key: 'trip-planner-v1' },
      request: { providerOptions: { openai: { prompt_cache_key: 'trip-planner-v1' } } },
    })
    expect(turns.map((turn) => [turn.usage.cacheWriteInputTokens, turn.usage.cacheReadInputTokens])).toEqual([[1_920, 0], [0, 1_920]])
  })

  it('asks for structured output (json_schema, strict) and reads the JSON text like the SDK', async () => {
    const { name, schema } = conversation.weatherReport
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      sdkParams: { tools: undefined, response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } } },
      request: { tools: undefined, responseFormat: { type: 'json_schema', name, schema, strict: true } },
      user: { sdk: { role: 'user', content: conversation.structuredQuestion }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
    expect(wireOf(server.lastRequest()).body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name } })
  })

  it('asks for a JSON object (json_object) like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      sdkParams: { tools: undefined, response_format: { type: 'json_object' } },
      request: { tools: undefined, responseFormat: { type: 'json_object' } },
      user: { sdk: { role: 'user', content: conversation.structuredQuestion }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('asks for a reasoning effort and reads reasoning tokens like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.reasoningStreams : fixtures.reasoningAnswers, streamed, {
      sdkParams: { tools: undefined, temperature: undefined, reasoning_effort: 'high' },
      request: { tools: undefined, temperature: undefined, reasoning: { effort: 'high' } },
      user: { sdk: { role: 'user', content: conversation.reasoningQuestion }, switchyard: { role: 'user', content: conversation.reasoningQuestion } },
    })
    expect(turn?.usage).toMatchObject({ outputTokens: 420, reasoningOutputTokens: 384 })
  })

  it('sends images by URL and by bytes, with parallel tool calls off, like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.imageStreams : fixtures.imageAnswers, streamed, {
      sdkParams: { parallel_tool_calls: false },
      request: { parallelToolCalls: false },
      user: {
        sdk: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image_url', image_url: { url: conversation.imageUrl } }, { type: 'image_url', image_url: { url: conversation.imageDataUrl } }] },
        switchyard: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image_url', imageUrl: conversation.imageUrl }, { type: 'image_url', imageUrl: conversation.imageDataUrl }] },
      },
    })
    expect(turn?.text).toBe(conversation.imageText)
    expect(wireOf(server.lastRequest()).body.parallel_tool_calls).toBe(false)
  })

  it('reads two parallel tool calls in one answer and sends both results back, like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.parallelStreams : fixtures.parallelAnswers, streamed)
    expect(turns[0]?.toolCalls.map((call) => [call.id, call.name])).toEqual([['call_Pa1Weather', 'get_weather'], ['call_Pa2Time', 'get_local_time']])
    const sent = wireOf(server.lastRequest()).body.messages as { role: string; tool_call_id?: string }[]
    expect(sent.filter((message) => message.role === 'tool').map((message) => message.tool_call_id)).toEqual(['call_Pa1Weather', 'call_Pa2Time'])
  })

  it('reads an answer cut at the token limit as length, like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.truncatedStreams : fixtures.truncatedAnswers, streamed)
    expect(turn).toMatchObject({ finishReason: 'length', text: 'Take the 18:55 tram 28; it' })
  })
})
