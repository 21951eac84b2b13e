import type { FinishReason } from '../../model-call/finish-reason.js'

const filtered = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'])

/** Maps a Gemini candidate `finishReason` (or a prompt `blockReason`). */
export function geminiFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'STOP') return hasToolCalls ? 'tool_calls' : 'stop'
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason !== undefined && filtered.has(reason)) return 'content_filter'
  return 'other'
}
