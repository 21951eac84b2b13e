import type { FinishReason } from '../../model-call/finish-reason.js'

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal'

/**
 * A finish reason as the Messages API's `stop_reason`. The router keeps the reason
 * in its own words only, so a stop at one of the client's `stop_sequences` reads as
 * `end_turn` (and `stop_sequence` is null): which sequence matched is not known here.
 * A stop switchyard has no word for (`other`, `error`) reads as `end_turn` too. An
 * answer with tool calls that says it simply stopped (some providers do) is
 * `tool_use`, as Anthropic's clients run tools on that word.
 */
export function anthropicStopReason(reason: FinishReason, hasToolCalls: boolean): AnthropicStopReason {
  if (hasToolCalls && reason === 'stop') return 'tool_use'
  switch (reason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end_turn'
  }
}
