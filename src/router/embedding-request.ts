import type { ProviderOptions } from '../model-call/provider-options.js'
import type { CostSource } from '../pricing/price-call.js'
import type { AttemptRecord } from './chat-request.js'

/**
 * An embeddings request to the router. Name either a configured `route`, or a
 * `model` as `provider/model` (one target, the default retry policy), as for chat.
 */
export interface EmbeddingRequest {
  route?: string
  model?: string
  /** At most 2048 non-empty strings, 1 MiB of UTF-8 in all. */
  input: string[]
  /** Vector size, where the model can shorten its vectors (OpenAI text-embedding-3, Gemini). */
  dimensions?: number
  signal?: AbortSignal
  /** Reporting tags for this call, on top of those of the surrounding workflow. */
  tags?: Record<string, string>
  providerOptions?: ProviderOptions
}

export interface EmbeddingResult {
  /** One vector per input, in input order. */
  embeddings: number[][]
  /** Input tokens billed; estimated where the provider reports none (Gemini), and then `costSource` is `estimate`. */
  usage: { inputTokens: number }
  /** Exact decimal string of USD for the winning call (other attempts are on their spans). */
  costUsd: string
  costSource: CostSource
  /** The configured provider name and the model that answered. */
  provider: string
  model: string
  route: string
  attempts: AttemptRecord[]
}
