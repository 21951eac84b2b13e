import { maxEmbeddingDimensions } from './check-embedding-input.js'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'

/**
 * Checks one vector from the wire, hand-written rather than with zod: an answer
 * may hold 2048 × 3072 numbers, and zod would copy every one. A vector must be a
 * non-empty list of finite numbers, no longer than any model gives, and as long
 * as the vectors before it (`expectedLength`). A bad one is the provider's fault:
 * a non-retryable `server_error` naming its path.
 */
export function embeddingVector(value: unknown, options: { path: string; expectedLength: number | undefined; context: ProviderErrorContext }): number[] {
  const { path, expectedLength, context } = options
  if (!Array.isArray(value)) throw badVector(context, path, 'is not a list of numbers')
  if (value.length === 0 || value.length > maxEmbeddingDimensions) throw badVector(context, path, `has ${value.length} dimensions`)
  if (expectedLength !== undefined && value.length !== expectedLength) throw badVector(context, path, `has ${value.length} dimensions where the others have ${expectedLength}`)
  for (let index = 0; index < value.length; index += 1) {
    if (!Number.isFinite(value[index])) throw badVector(context, `${path}[${index}]`, 'is not a finite number')
  }
  return value as number[]
}

/** The answer does not hold one vector per input: a non-retryable `server_error`. */
export function badVector(context: ProviderErrorContext, path: string, problem: string): ProviderError {
  return new ProviderError({
    ...context,
    code: 'server_error',
    retryable: false,
    message: `the provider's embeddings answer is unusable: ${path} ${problem}.`,
  })
}
