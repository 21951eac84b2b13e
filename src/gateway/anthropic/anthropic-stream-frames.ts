import type { ChatStream } from '../../router/chat-request.js'
import type { ParsedClientRequest } from '../wire-format.js'
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
 * at the end here) and `message_stop`.
 *
 * Nothing is written before the router's first chunk (or its end): a call that fails
 * before then rejects this iteration, so the server can still answer with an HTTP
 * status. A failure after the first frame is an `error` event, the SDK's APIError.
 * When the reader stops early, the router's iteration is ended too, which cancels the call.
 */
export async function* anthropicStreamFrames(stream: ChatStream, request: ParsedClientRequest): AsyncGenerator<string> {
  // The result rejects along with the iteration; that is reported through the iteration.
  void stream.result.catch(() => undefined)
  const iterator = stream[Symbol.asyncIterator]()
  let next = await iterator.next()
  let ended = false
  try {
    yield anthropicFrame('message_start', { type: 'message_start', message: startMessage(request) })
    const blocks = new AnthropicStreamBlocks()
    while (next.done !== true) {
      for (const frame of blocks.chunk(next.value)) yield frame
      next = await iterator.next()
    }
    ended = true
    const result = await stream.result
    for (const frame of blocks.finish(result)) yield frame
    yield anthropicFrame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: anthropicStopReason(result.finishReason, result.toolCalls.length > 0), stop_sequence: null },
      usage: anthropicClientUsage(result.usage, result.costUsd),
    })
    yield anthropicFrame('message_stop', { type: 'message_stop' })
  } catch (error) {
    yield anthropicFrame('error', anthropicStreamErrorBody(error))
  } finally {
    if (!ended) await endIteration(iterator)
  }
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

/** Ends the router's iteration (cancelling the call); an iteration that already failed has nothing to end. */
async function endIteration(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.()
  } catch {
    // It failed already, and that failure is what the client was told.
  }
}
