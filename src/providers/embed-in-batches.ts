import type { EmbeddingCallResult } from '../model-call/embedding.js'
import { estimateInputTokens } from '../pricing/estimate-input-tokens.js'
import { badVector } from './embedding-vectors.js'
import { isProviderError, type ProviderErrorContext } from './provider-error.js'

export interface EmbedInBatchesOptions {
  input: string[]
  /** Most inputs in one provider call. */
  batchSize: number
  context: ProviderErrorContext
  /** One provider call for `input` (at most `batchSize` of them). */
  embedBatch: (input: string[]) => Promise<EmbeddingCallResult>
}

/**
 * Embeds `input` in provider calls of at most `batchSize` inputs, one after
 * another (never more than one call of a request in flight), and joins their
 * vectors in input order and their tokens. Batches exist because a provider caps
 * a call (Gemini takes 100) or because one answer must stay within the bound on a
 * response body. A batch that fails after others were answered fails the whole
 * call, carrying the input tokens the answered batches billed (estimated where
 * the provider reports none) as partial usage, so the attempt is billed for them.
 */
export async function embedInBatches(options: EmbedInBatchesOptions): Promise<EmbeddingCallResult> {
  const { input, batchSize, context, embedBatch } = options
  if (input.length <= batchSize) return embedBatch(input)
  const embeddings: number[][] = []
  let inputTokens = 0
  let usageReported = true
  let responseModel: string | undefined
  for (let start = 0; start < input.length; start += batchSize) {
    const texts = input.slice(start, start + batchSize)
    let part: EmbeddingCallResult
    try {
      part = await embedBatch(texts)
    } catch (error) {
      if (start === 0 || !isProviderError(error)) throw error
      throw error.withPartial({ text: '', usage: inputUsage(inputTokens) })
    }
    const length = embeddings[0]?.length
    const [first] = part.embeddings
    if (length !== undefined && first !== undefined && first.length !== length) throw badVector(context, `the batch from input[${start}]`, `has ${first.length} dimensions where the first had ${length}`)
    for (const vector of part.embeddings) embeddings.push(vector)
    inputTokens += part.usageReported ? part.inputTokens : estimateInputTokens(texts)
    usageReported &&= part.usageReported
    responseModel ??= part.responseModel
  }
  // Tokens of batches that reported none were estimated: the router estimates the whole input then.
  return { embeddings, inputTokens: usageReported ? inputTokens : 0, usageReported, responseModel: responseModel ?? context.model }
}

function inputUsage(inputTokens: number) {
  return { inputTokens, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 }
}
