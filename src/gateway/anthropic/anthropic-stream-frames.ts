import type { ChatResult, ChatStream, ChatStreamChunk } from '../../router/chat-request.js'
import { encodedFrames } from '../encoded-frames.js'
import type { FrameSink, ParsedClientRequest, StreamEncoder } from '../wire-format.js'
import { anthropicClientUsage } from './anthropic-client-usage.js'
import { anthropicStreamErrorBody } from './anthropic-error-body.js'
import { anthropicMessageId } from './anthropic-message-id.js'
import { anthropicStopReason } from './anthropic-stop-reason.js'
import { anthropicFrame, AnthropicStreamBlocks } from './anthropic-stream-blocks.js'

/**
 * A routed stream as the Messages API's server-sent events, in the order the official
 * SDK's MessageStream reads them: `message_start` (the message with no content yet),
 * each content block's `content_block_start` / `_delta` / `_stop`, `message_delta`
 * (the stop reason and the whole usage, input tokens included, which are known only
 * at the end here) and `message_stop`. A failure after the first frame is an `error`
 * event, the SDK's APIError.
 */
export class AnthropicStreamEncoder implements StreamEncoder {
  readonly #sink: FrameSink
  readonly #request: ParsedClientRequest
  readonly #blocks = new AnthropicStreamBlocks()

  constructor(request: ParsedClientRequest, sink: FrameSink) {
    this.#request = request
    this.#sink = sink
  }

  start(): void {
    this.#sink.write(anthropicFrame('message_start', { type: 'message_start', message: startMessage(this.#request) }))
  }

  chunk(chunk: ChatStreamChunk): void {
    this.#writeAll(this.#blocks.chunk(chunk))
  }

  finish(result: ChatResult): void {
    this.#writeAll(this.#blocks.finish(result))
    this.#sink.write(anthropicFrame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: anthropicStopReason(result.finishReason, result.toolCalls.length > 0), stop_sequence: null },
      usage: anthropicClientUsage(result.usage, result.costUsd),
    }))
    this.#sink.write(anthropicFrame('message_stop', { type: 'message_stop' }))
  }

  fail(error: unknown): void {
    this.#sink.write(anthropicFrame('error', anthropicStreamErrorBody(error)))
  }

  #writeAll(frames: readonly string[]): void {
    for (const frame of frames) this.#sink.write(frame)
  }
}

/** The frames of a routed stream as an async iterable (see encodedFrames). */
export function anthropicStreamFrames(stream: ChatStream, request: ParsedClientRequest): AsyncIterable<string> {
  return encodedFrames(stream, (sink) => new AnthropicStreamEncoder(request, sink))
}

function startMessage(request: ParsedClientRequest): Record<string, unknown> {
  return {
    id: anthropicMessageId(),
    type: 'message',
    role: 'assistant',
    model: request.requestedModel,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }
}
