import type { EmbeddingCallRequest, EmbeddingCallResult } from '../../model-call/embedding.js'
import { createSeededRandom, hashString, mixSeeds } from './seeded-random.js'
import { estimateTokens } from './simulated-text.js'

/** Dimensions of a simulated vector when the request asks for none. */
export const simulatedEmbeddingDimensions = 256

/**
 * Simulated embeddings: each vector is drawn from a generator seeded by the seed,
 * the model and the input text, so the same text always gets the same unit-length
 * vector, whatever else is in the request. Input tokens are counted at 4
 * characters a token, as the simulated chat counts them, and reported as billed.
 */
export function simulatedEmbedding(request: EmbeddingCallRequest, seed: number): EmbeddingCallResult {
  const dimensions = request.dimensions ?? simulatedEmbeddingDimensions
  let inputTokens = 0
  const embeddings = request.input.map((text) => {
    inputTokens += estimateTokens(text)
    return unitVector(mixSeeds(seed, hashString(`${request.model}\n${text}`)), dimensions)
  })
  return { embeddings, inputTokens, usageReported: true, responseModel: request.model }
}

function unitVector(seed: number, dimensions: number): number[] {
  const random = createSeededRandom(seed)
  const vector = new Array<number>(dimensions)
  let squares = 0
  for (let index = 0; index < dimensions; index += 1) {
    const value = random.normal()
    vector[index] = value
    squares += value * value
  }
  const norm = Math.sqrt(squares) || 1
  for (let index = 0; index < dimensions; index += 1) vector[index] = vector[index]! / norm
  return vector
}
