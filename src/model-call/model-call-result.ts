import type { FinishReason } from './finish-reason.js'
import type { ReasoningBlock } from './reasoning-block.js'
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
  /**
   * An opaque signature the provider put on the text (or thought) part of the answer
   * (Gemini's `thoughtSignature`); put it on the assistant message that echoes this
   * answer, so it goes back untouched. Tool calls carry their own.
   */
  thoughtSignature?: string
  /**
   * Reasoning blocks the provider wants back on the next turn (Anthropic `thinking`
   * with its signature, `redacted_thinking`), in the order they came; put them on the
   * assistant message that echoes this answer. Their text is not part of `text`.
   */
  reasoning?: ReasoningBlock[]
  /** Request fields the adapter left out because the model refuses them (e.g. `top_p` beside `temperature`). */
  droppedRequestFields?: string[]
}
