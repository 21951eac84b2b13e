import { randomUUID } from 'node:crypto'
import type { ChatResult, ChatStream, ChatStreamChunk } from '../../router/chat-request.js'
import { encodedFrames } from '../encoded-frames.js'
import { gatewayErrorFrom } from '../gateway-error-from.js'
import type { FrameSink, ParsedClientRequest, StreamEncoder } from '../wire-format.js'
import { openAIErrorBody } from './openai-error-body.js'
import { openAIFinishReason, openAIUsage } from './openai-chat-result.js'

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`
}

/** What follows a text delta's string in its frame. */
const textTail = '},"logprobs":null,"finish_reason":null}]}\n\n'

const done = 'data: [DONE]\n\n'

/**
 * A routed stream as OpenAI `chat.completion.chunk` frames: the role first, then text
 * and tool-call deltas as they come, a chunk with the finish reason, the usage chunk
 * (with `cost_usd`) only when `stream_options.include_usage` asked, then `[DONE]`.
 * A failure after the first frame is an `error` frame, which the openai SDKs raise.
 */
export class OpenAIChatStreamEncoder implements StreamEncoder {
  readonly #sink: FrameSink
  readonly #request: ParsedClientRequest
  readonly #id = `chatcmpl-${randomUUID().replaceAll('-', '')}`
  readonly #created = Math.floor(Date.now() / 1000)
  /** A text delta is most frames: its JSON is this fixed text, the delta's string, then textTail, as `frame(chunk(...))` writes it. */
  readonly #textHead: string

  constructor(request: ParsedClientRequest, sink: FrameSink) {
    this.#request = request
    this.#sink = sink
    this.#textHead = `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(request.requestedModel)},"choices":[{"index":0,"delta":{"content":`
  }

  start(): void {
    this.#sink.write(frame(this.#chunk(this.#request.requestedModel, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])))
  }

  chunk(delta: ChatStreamChunk): void {
    if (delta.type === 'text-delta') {
      this.#sink.write(`${this.#textHead}${JSON.stringify(delta.text)}${textTail}`)
      return
    }
    const call: Record<string, unknown> = { index: delta.index, function: { arguments: delta.argumentsDelta } }
    if (delta.id !== undefined) Object.assign(call, { id: delta.id, type: 'function' })
    if (delta.name !== undefined) (call.function as Record<string, unknown>).name = delta.name
    this.#sink.write(frame(this.#chunk(this.#request.requestedModel, [{ index: 0, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null }])))
  }

  /** The closing chunks name the model that answered, as OpenAI's do. */
  finish(result: ChatResult): void {
    this.#sink.write(frame(this.#chunk(result.model, [{ index: 0, delta: {}, logprobs: null, finish_reason: openAIFinishReason(result.finishReason) }])))
    if (this.#request.includeUsage) this.#sink.write(frame(this.#chunk(result.model, [], { usage: openAIUsage(result.usage, result.costUsd) })))
    this.#sink.write(done)
  }

  fail(error: unknown): void {
    this.#sink.write(frame(openAIErrorBody(gatewayErrorFrom(error))))
    this.#sink.write(done)
  }

  #chunk(model: string, choices: unknown[], extra?: Record<string, unknown>): unknown {
    return { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model, choices, ...extra }
  }
}

/** The frames of a routed stream as an async iterable (see encodedFrames). */
export function encodeOpenAIChatStream(stream: ChatStream, request: ParsedClientRequest): AsyncIterable<string> {
  return encodedFrames(stream, (sink) => new OpenAIChatStreamEncoder(request, sink))
}
