import type { ChatResult } from '../../router/chat-request.js'
import type { ParsedClientRequest } from '../wire-format.js'
import { anthropicClientUsage, type AnthropicClientUsage } from './anthropic-client-usage.js'
import { anthropicMessageId } from './anthropic-message-id.js'
import { anthropicStopReason, type AnthropicStopReason } from './anthropic-stop-reason.js'
import { anthropicToolInput } from './anthropic-tool-input.js'
import { carriedStateData } from './carried-state.js'

export type AnthropicContentBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }

/** A `message` of the Messages API, as the official SDK reads it. */
export interface AnthropicMessageBody {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: AnthropicContentBlock[]
  stop_reason: AnthropicStopReason
  stop_sequence: null
  usage: AnthropicClientUsage
}

/**
 * A finished call as Anthropic's `message`: the reasoning blocks first (Claude's
 * thinking and other providers' carried state, to go back untouched on the next
 * turn; anthropicReasoningBlocks), then the text, then one
 * `tool_use` block per tool call. `model` is what the client asked for (a route or
 * `provider/model`); the model that answered is in the `x-switchyard-model` header.
 */
export function anthropicResultBody(result: ChatResult, request: ParsedClientRequest): AnthropicMessageBody {
  const content: AnthropicContentBlock[] = anthropicReasoningBlocks(result.message)
  if (result.text !== '') content.push({ type: 'text', text: result.text, citations: null })
  for (const call of result.toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: anthropicToolInput(call) })
  return {
    id: anthropicMessageId(result.id),
    type: 'message',
    role: 'assistant',
    model: request.requestedModel,
    content,
    stop_reason: anthropicStopReason(result.finishReason, result.toolCalls.length > 0),
    stop_sequence: null,
    usage: anthropicClientUsage(result.usage, result.costUsd),
  }
}

/**
 * What goes back on the next turn without being the answer: Claude's own reasoning
 * blocks, then, when another provider left something to carry (Gemini's signatures,
 * OpenAI's reasoning items), one `redacted_thinking` block holding it (carriedStateData).
 */
export function anthropicReasoningBlocks(message: ChatResult['message']): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = []
  for (const block of message.reasoning ?? []) {
    if (block.type === 'thinking') blocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature })
    else if (block.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: block.data })
  }
  const carried = carriedStateData(message)
  if (carried !== undefined) blocks.push({ type: 'redacted_thinking', data: carried })
  return blocks
}
