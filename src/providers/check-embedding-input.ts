import type { EmbeddingCallRequest } from '../model-call/embedding.js'
import { EmbeddingInputError } from './embedding-input-error.js'

/** Most inputs in one embeddings request: OpenAI's own limit, and far above what one call should carry. */
export const maxEmbeddingInputs = 2048
/** Most text in one embeddings request, UTF-8 bytes over every input. */
export const maxEmbeddingInputBytes = 1024 * 1024
/** Largest `dimensions` asked for; current models give at most 3072. */
export const maxEmbeddingDimensions = 65_536

/**
 * Refuses, before any work or call, an embeddings request whose input is out of
 * bounds: not a list, empty, more than 2048 inputs, an input that is not a
 * non-empty string (named `input[3]`), more than 1 MiB of text in all, or a
 * `dimensions` that is not a positive integer. The router checks once per
 * request; each adapter checks again, so one called directly is as safe.
 */
export function checkEmbeddingInput(request: Pick<EmbeddingCallRequest, 'input' | 'dimensions'>): void {
  const { input, dimensions } = request
  if (!Array.isArray(input)) throw new EmbeddingInputError('input', 'must be a list of strings')
  if (input.length === 0) throw new EmbeddingInputError('input', 'must hold at least one string')
  if (input.length > maxEmbeddingInputs) throw new EmbeddingInputError('input', `holds ${input.length} strings; at most ${maxEmbeddingInputs} are allowed in one request`)
  let bytes = 0
  for (let index = 0; index < input.length; index += 1) {
    const text: unknown = input[index]
    if (typeof text !== 'string') throw new EmbeddingInputError(`input[${index}]`, `must be a string, got ${text === null ? 'null' : typeof text}`)
    if (text.length === 0) throw new EmbeddingInputError(`input[${index}]`, 'must not be empty')
    // Every UTF-16 unit is at least one UTF-8 byte: a text longer than the room left is over without counting it.
    bytes += text.length > maxEmbeddingInputBytes - bytes ? text.length : Buffer.byteLength(text, 'utf8')
    if (bytes > maxEmbeddingInputBytes) throw new EmbeddingInputError(`input[${index}]`, `brings the request's text past ${maxEmbeddingInputBytes} bytes of UTF-8; split the input over several requests`)
  }
  if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > maxEmbeddingDimensions)) {
    throw new EmbeddingInputError('dimensions', `must be an integer from 1 to ${maxEmbeddingDimensions}, got ${String(dimensions)}`)
  }
}
