import type { ChatMessage } from './chat-message.js'
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
}
