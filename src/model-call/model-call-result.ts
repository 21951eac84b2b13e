import type { FinishReason } from './finish-reason.js'
import type { ToolCall } from './tool-call.js'
import type { Usage } from './usage.js'

/** What one finished call to one model produced. */
export interface ModelCallResult {
  id: string
  /** The model the provider says answered (may be a dated snapshot of the requested one). */
  model: string
  text: string
  toolCalls: ToolCall[]
  finishReason: FinishReason
  /** The provider's own finish reason word, kept for the span. */
  rawFinishReason: string
  usage: Usage
  /** The service tier the provider says served the call (OpenAI `service_tier`, Anthropic `usage.service_tier`), as the provider wrote it; it changes the price. */
  serviceTier?: string
}
