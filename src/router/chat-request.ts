import type { ChatMessage } from '../model-call/chat-message.js'
import type { FinishReason } from '../model-call/finish-reason.js'
import type { ReasoningBlock } from '../model-call/reasoning-block.js'
import type { ToolCall } from '../model-call/tool-call.js'
import type { Usage } from '../model-call/usage.js'
import type { ProviderRequest } from '../providers/provider.js'
import type { CostSource } from '../pricing/price-call.js'

/**
 * A request to the router, in OpenAI chat shape. Name either a configured `route`,
 * or a `model` as `provider/model` (one target, the default retry policy).
 */
export interface ChatRequest extends Omit<ProviderRequest, 'model' | 'signal'> {
  route?: string
  model?: string
  signal?: AbortSignal
  /** Reporting tags for this call, on top of those of the surrounding workflow. */
  tags?: Record<string, string>
}

/** One call to one provider made for a routed request. */
export interface AttemptRecord {
  attempt: number
  provider: string
  model: string
  outcome: 'success' | 'error' | 'cancelled'
  durationMs: number
  errorCode?: string
  /** The error's message for a failed attempt (secrets already removed by the adapter). */
  errorMessage?: string
  costUsd?: string
  hedge?: boolean
}

export interface ChatResult extends RoutedOutcome {
  text: string
  /**
   * The answer as the assistant message to append to the conversation: with the
   * provider's signatures (Gemini `thoughtSignature`) and reasoning blocks
   * (Anthropic thinking), which go back untouched on the next turn.
   */
  message: { role: 'assistant'; content: string; toolCalls: ToolCall[]; thoughtSignature?: string; reasoning?: ReasoningBlock[] }
  toolCalls: ToolCall[]
  finishReason: FinishReason
  id: string
  usage: Usage
}

/** What every routed operation's result says of how it was served: its cost, who answered, and each attempt. */
export interface RoutedOutcome {
  /** Exact decimal string of USD for the winning call (other attempts are on their spans). */
  costUsd: string
  costSource: CostSource
  /** The configured provider name and the model that answered. */
  provider: string
  model: string
  route: string
  attempts: AttemptRecord[]
}

/** A streamed response: iterate for deltas, then read `result` (or await it alone). */
export interface ChatStream extends AsyncIterable<ChatStreamChunk> {
  /** Resolves with the complete result once the stream ended; rejects like the iteration. */
  readonly result: Promise<ChatResult>
  /** Stop the stream early; the call is recorded as cancelled with the tokens seen. */
  cancel(): void
  /**
   * The target that streams, once one has opened: set before the first chunk is
   * yielded, so a server can name the provider in its response headers (retries and
   * fallbacks happen only before the first chunk). Undefined until then.
   */
  readonly target?: StreamTarget
}

/** Who answers a stream: the configured provider, the model asked of it, and which attempt of the request it is. */
export interface StreamTarget {
  provider: string
  model: string
  attempt: number
}

export type ChatStreamChunk =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }

export type { ChatMessage }
