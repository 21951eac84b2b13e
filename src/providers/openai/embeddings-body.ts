import type { EmbeddingCallRequest } from '../../model-call/embedding.js'
import { mergeProviderOptions } from '../merge-provider-options.js'

/**
 * The body of `POST {baseURL}/embeddings` (OpenAI and compatible hosts), as the
 * openai SDK sends it: floats rather than the SDK's default base64, which
 * compatible hosts do not all speak; `dimensions` only when asked. The
 * request's providerOptions for `providerType` go in last.
 */
export function embeddingsBody(request: EmbeddingCallRequest, providerType: 'openai' | 'openai-compatible'): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, input: request.input, encoding_format: 'float' }
  if (request.dimensions !== undefined) body.dimensions = request.dimensions
  return mergeProviderOptions(body, request.providerOptions, providerType)
}
