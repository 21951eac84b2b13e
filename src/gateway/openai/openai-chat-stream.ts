import { randomUUID } from 'node:crypto'
import type { ChatStream } from '../../router/chat-request.js'
import type { ParsedClientRequest } from '../wire-format.js'
import { gatewayErrorFrom } from '../gateway-error-from.js'
import { openAIErrorBody } from './openai-error-body.js'
import { openAIFinishReason, openAIUsage } from './openai-chat-result.js'

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`
}

/** What follows a text delta's string in its frame. */
const textTail = '},"logprobs":null,"finish_reason":null}]}\n\n'

/**
 * A routed stream as OpenAI `chat.completion.chunk` frames: the role first, then text
 * and tool-call deltas as they come, a chunk with the finish reason, the usage chunk
 * (with `cost_usd`) only when `stream_options.include_usage` asked, then `[DONE]`.
 * A failure after the first frame is an `error` frame, which the openai SDKs raise.
 */
export async function* encodeOpenAIChatStream(stream: ChatStream, request: ParsedClientRequest): AsyncIterable<string> {
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`
  const created = Math.floor(Date.now() / 1000)
  let model = request.requestedModel
  const chunk = (choices: unknown[], extra?: Record<string, unknown>): unknown => ({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })
  yield frame(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]))
  // A text delta is most frames: its JSON is the frame's fixed text around the delta's string, as `frame(chunk(...))` writes it.
  const textHead = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":{"content":`
  try {
    for await (const delta of stream) {
      if (delta.type === 'text-delta') {
        yield `${textHead}${JSON.stringify(delta.text)}${textTail}`
        continue
      }
      const call: Record<string, unknown> = { index: delta.index, function: { arguments: delta.argumentsDelta } }
      if (delta.id !== undefined) Object.assign(call, { id: delta.id, type: 'function' })
      if (delta.name !== undefined) (call.function as Record<string, unknown>).name = delta.name
      yield frame(chunk([{ index: 0, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null }]))
    }
    const result = await stream.result
    model = result.model
    yield frame(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: openAIFinishReason(result.finishReason) }]))
    if (request.includeUsage) yield frame(chunk([], { usage: openAIUsage(result.usage, result.costUsd) }))
  } catch (error) {
    yield frame(openAIErrorBody(gatewayErrorFrom(error)))
  }
  yield 'data: [DONE]\n\n'
}
