import { z } from 'zod'
import type { EmbeddingCallResult } from '../../model-call/embedding.js'
import { boundedWireString } from '../bounded-wire-string.js'
import { badVector, embeddingVector } from '../embedding-vectors.js'
import type { ProviderErrorContext } from '../provider-error.js'

/**
 * The answer of `POST /embeddings` (openai `CreateEmbeddingResponse`), leniently:
 * only the fields read. A vector is checked by hand (embeddingVector), not here.
 */
export const embeddingsResponseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.unknown() })),
  model: z.string().nullish(),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative().nullish() }).nullish(),
})

export type EmbeddingsResponse = z.output<typeof embeddingsResponseSchema>

/** Longest model name kept from the answer. */
const maxModelLength = 256

/**
 * The vectors in input order, by each item's `index`, never by its place in the
 * list (the API does not promise the order). The answer must hold exactly one
 * vector per input, all of one length; anything else is a `server_error`.
 */
export function embeddingsResult(answer: EmbeddingsResponse, options: { inputCount: number; model: string; context: ProviderErrorContext }): EmbeddingCallResult {
  const { inputCount, context } = options
  if (answer.data.length !== inputCount) throw badVector(context, 'data', `holds ${answer.data.length} vectors for ${inputCount} inputs`)
  const embeddings = new Array<number[] | undefined>(inputCount).fill(undefined)
  let length: number | undefined
  for (let position = 0; position < answer.data.length; position += 1) {
    const item = answer.data[position]!
    if (item.index >= inputCount) throw badVector(context, `data[${position}].index`, `is ${item.index}, past the last input (${inputCount - 1})`)
    if (embeddings[item.index] !== undefined) throw badVector(context, `data[${position}].index`, `repeats index ${item.index}`)
    const vector = embeddingVector(item.embedding, { path: `data[${position}].embedding`, expectedLength: length, context })
    length = vector.length
    embeddings[item.index] = vector
  }
  const inputTokens = answer.usage?.prompt_tokens
  return {
    embeddings: embeddings as number[][],
    inputTokens: inputTokens ?? 0,
    usageReported: inputTokens !== undefined && inputTokens !== null,
    responseModel: boundedWireString(answer.model, maxModelLength) ?? options.model,
  }
}
