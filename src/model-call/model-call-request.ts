import type { ChatMessage } from './chat-message.js'
import type { ProviderOptions } from './provider-options.js'
import type { ReasoningOptions } from './reasoning-options.js'
import type { ResponseFormat } from './response-format.js'
import type { ToolChoice } from './tool-choice.js'
import type { ToolDefinition } from './tool-definition.js'

/** What one call to one model asks for: the words a span, a price estimate and an adapter all read. */
export interface ModelCallRequest {
  model: string
  messages: ChatMessage[]
  maxTokens?: number
  temperature?: number
  topP?: number
  stop?: string[]
  tools?: ToolDefinition[]
  toolChoice?: ToolChoice
  /** Whether the model may ask for several tool calls in one answer; unset leaves the provider's default (yes). */
  parallelToolCalls?: boolean
  /** Constrain the answer to JSON (by schema where the provider can); the result's `text` is the JSON. */
  responseFormat?: ResponseFormat
  reasoning?: ReasoningOptions
  /** Body fields for one provider type that switchyard does not model, merged in last. */
  providerOptions?: ProviderOptions
}
