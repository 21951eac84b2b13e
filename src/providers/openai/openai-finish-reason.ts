import type { FinishReason } from '../../model-call/finish-reason.js'

/** Maps a Chat Completions `finish_reason` (also used by most OpenAI-compatible hosts). */
export function openaiFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
      return 'stop'
    case 'length':
      return 'length'
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls'
    case 'content_filter':
      return 'content_filter'
    case 'error':
      return 'error'
    default:
      return 'other'
  }
}
