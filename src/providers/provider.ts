/**
 * The one internal interface every wire format implements. The router composes
 * providers; providers know nothing of the router, telemetry or budgets. The words
 * of a call (messages, usage, results) are in src/model-call, shared by every part.
 */
import type { EmbeddingCallRequest, EmbeddingCallResult } from '../model-call/embedding.js'
import type { ModelCallRequest } from '../model-call/model-call-request.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Usage } from '../model-call/usage.js'
import type { AbortWatch } from '../shared/abort-watch.js'
import type { UnsupportedField } from './unsupported-request-error.js'

/** What a provider adapter is asked to do: one call to one model, with the adapter's own options. */
export interface ProviderRequest extends ModelCallRequest {
  /** Use a provider-specific API flavour where there are several (OpenAI: 'chat' or 'responses'). */
  api?: 'chat' | 'responses'
  signal?: AbortWatch
}

/** What a provider adapter is asked to embed: one call to one embedding model. */
export interface EmbeddingProviderRequest extends EmbeddingCallRequest {
  signal?: AbortWatch
}

/** One event of a normalized stream. */
export type StreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  /** Usage as last reported; providers that repeat cumulative usage emit it again: keep the last, never sum. */
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; result: ModelCallResult }

export interface Provider {
  /** The provider's name in GenAI conventions (`openai`, `anthropic`, `gcp.gemini`, or the configured name for openai-compatible hosts). */
  readonly providerName: string
  /** Host and port for `server.address` / `server.port`. */
  readonly serverAddress: string
  readonly serverPort: number
  /**
   * The first field of `request` this target cannot serve (structured output, reasoning,
   * images, parallelToolCalls), or undefined. Asked by the router before it calls;
   * `chat` and `stream` refuse such a request too, with an UnsupportedRequestError.
   * Optional: a provider without it is taken to serve everything it is sent.
   */
  unsupportedField?(request: ProviderRequest): UnsupportedField | undefined
  chat(request: ProviderRequest): Promise<ModelCallResult>
  /** Rejects (before yielding) on HTTP errors; throws ProviderError from the iterator on a cut stream. */
  stream(request: ProviderRequest): AsyncIterable<StreamEvent>
  /**
   * One embeddings call: a vector per input, in input order. Absent where the
   * provider has no embeddings API (Anthropic): the router refuses such a target
   * with EmbeddingsUnsupportedError before any call.
   */
  embed?(request: EmbeddingProviderRequest): Promise<EmbeddingCallResult>
  close(): Promise<void>
}
