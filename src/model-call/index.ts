/**
 * The words every part of switchyard shares about a call to a model. This folder
 * imports nothing of switchyard, so anything may import it without pulling in an
 * adapter, a store or a span.
 */
export type { ChatMessage } from './chat-message.js'
export type { ContentPart } from './content-part.js'
export { emptyUsage } from './empty-usage.js'
export type { FinishReason } from './finish-reason.js'
export type { ModelCallRequest } from './model-call-request.js'
export type { ModelCallResult } from './model-call-result.js'
export type { PartialOutput } from './partial-output.js'
export type { ToolCall } from './tool-call.js'
export type { ToolChoice } from './tool-choice.js'
export type { ToolDefinition } from './tool-definition.js'
export type { Usage } from './usage.js'
