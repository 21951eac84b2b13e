import type { ProviderOptions } from './provider-options.js'

/**
 * One embeddings call: the inputs to embed with one model. Inputs are text; the
 * answer holds one vector of floats per input, in the order given.
 */
export interface EmbeddingCallRequest {
  model: string
  input: string[]
  /** Ask for vectors of this many dimensions, where the model can shorten them (OpenAI text-embedding-3, Gemini outputDimensionality). */
  dimensions?: number
  /** Body fields for one provider type that switchyard does not model, merged in last. */
  providerOptions?: ProviderOptions
}

/** What an embeddings call answered: vectors in input order and the input tokens billed. */
export interface EmbeddingCallResult {
  embeddings: number[][]
  /** Input tokens the provider billed; 0 with `usageReported: false` when it reported none (Gemini embedContent). */
  inputTokens: number
  usageReported: boolean
  /** The model the provider says answered (may carry a version suffix). */
  responseModel: string
}
