/**
 * The one internal interface every wire format implements. The router composes
 * providers; providers know nothing of the router, telemetry or budgets.
 */

/** A chat message in OpenAI shape, the request format of switchyard. */
export type ChatMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | { role: 'assistant'; content?: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string }

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; imageUrl: string }

export interface ToolCall {
  id: string
  name: string
  /** JSON text of the arguments, as the model produced it. */
  arguments: string
}

export interface ToolDefinition {
  name: string
  description?: string
  /** JSON Schema of the parameters. */
  parameters: Record<string, unknown>
}

/** What a provider adapter is asked to do: one call to one model. */
export interface ProviderRequest {
  model: string
  messages: ChatMessage[]
  maxTokens?: number
  temperature?: number
  topP?: number
  stop?: string[]
  tools?: ToolDefinition[]
  toolChoice?: 'auto' | 'none' | 'required' | { name: string }
  /** Use a provider-specific API flavour where there are several (OpenAI: 'chat' or 'responses'). */
  api?: 'chat' | 'responses'
  signal?: AbortSignal
}

/**
 * Token usage normalized to the OpenTelemetry GenAI conventions: `inputTokens`
 * INCLUDES cached (read and write) tokens, `outputTokens` INCLUDES reasoning tokens.
 * Each adapter converts its provider's numbers to this once, next to its parser.
 */
export interface Usage {
  inputTokens: number
  outputTokens: number
  cacheReadInputTokens: number
  cacheWriteInputTokens: number
  /** Anthropic bills 1-hour cache writes differently from 5-minute ones; part of cacheWriteInputTokens. */
  cacheWrite1hInputTokens: number
  reasoningOutputTokens: number
  /** A billed cost the provider reported itself (OpenRouter's `usage.cost`), as a decimal string in USD. */
  providerCostUsd?: string
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other'

export interface ProviderResult {
  id: string
  /** The model the provider says answered (may be a dated snapshot of the requested one). */
  model: string
  text: string
  toolCalls: ToolCall[]
  finishReason: FinishReason
  /** The provider's own finish reason word, kept for the span. */
  rawFinishReason: string
  usage: Usage
}

/** One event of a normalized stream. */
export type StreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  /** Usage as last reported; providers that repeat cumulative usage emit it again: keep the last, never sum. */
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; result: ProviderResult }

export interface Provider {
  /** The provider's name in GenAI conventions (`openai`, `anthropic`, `gcp.gemini`, or the configured name for openai-compatible hosts). */
  readonly providerName: string
  /** Host and port for `server.address` / `server.port`. */
  readonly serverAddress: string
  readonly serverPort: number
  chat(request: ProviderRequest): Promise<ProviderResult>
  /** Rejects (before yielding) on HTTP errors; throws ProviderError from the iterator on a cut stream. */
  stream(request: ProviderRequest): AsyncIterable<StreamEvent>
  close(): Promise<void>
}
