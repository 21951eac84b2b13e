import type { ProviderOptions } from '../model-call/provider-options.js'
import type { RoutedOutcome } from './chat-request.js'

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

export interface EmbeddingResult extends RoutedOutcome {
  /** One vector per input, in input order. */
  embeddings: number[][]
  /** Input tokens billed; estimated where the provider reports none (Gemini), and then `costSource` is `estimate`. */
  usage: { inputTokens: number }
}
