import type { EmbeddingRequest, EmbeddingResult } from '../../router/embedding-request.js'
import { invalidField } from '../gateway-error.js'
import { passThroughFields } from '../pass-through-fields.js'
import { optional, readArray, readEnum, readNumber, readObject, readString } from '../request-fields.js'
import type { TargetFormat } from '../wire-format.js'

/** The router's own bounds (2048 inputs, 1 MiB in all) apply after these. */
const maxInputs = 2048
const maxInputLength = 1024 * 1024

const modelledFields = new Set(['model', 'input', 'encoding_format', 'dimensions'])

export interface ParsedEmbeddingRequest {
  request: EmbeddingRequest
  encoding: 'float' | 'base64'
}

/**
 * Read an OpenAI embeddings body: `input` as one string or a list of strings (token
 * arrays are refused: switchyard routes across providers, whose tokenizers differ),
 * `encoding_format` float or base64 (the openai Node SDK asks base64 by default),
 * `dimensions`; other fields pass through to OpenAI-format targets, else a 400.
 */
export function parseOpenAIEmbeddingRequest(body: unknown, targetFormats: ReadonlySet<TargetFormat>): ParsedEmbeddingRequest {
  const fields = readObject(body, 'body')
  readString(fields.model, 'model', { min: 1, max: 512 })
  const input = typeof fields.input === 'string'
    ? [readString(fields.input, 'input', { min: 1, max: maxInputLength })]
    : readArray(fields.input, 'input', { min: 1, max: maxInputs }).map((item, index) => {
      if (typeof item !== 'string') throw invalidField(`input.${index}`, 'must be a string (token arrays are not accepted)')
      return readString(item, `input.${index}`, { min: 1, max: maxInputLength })
    })
  const request: EmbeddingRequest = { input }
  const dimensions = optional(fields.dimensions, (value) => readNumber(value, 'dimensions', { min: 1, max: 65_536, integer: true }))
  if (dimensions !== undefined) request.dimensions = dimensions
  const encoding = optional(fields.encoding_format, (value) => readEnum(value, 'encoding_format', ['float', 'base64'])) ?? 'float'
  const extra = passThroughFields({ body: fields, modelled: modelledFields, context: { targetFormats }, clientFormat: 'openai' })
  if (extra !== undefined) request.providerOptions = { openai: extra, 'openai-compatible': extra }
  return { request, encoding }
}

/** A vector as OpenAI's base64: the little-endian float32 bytes. */
export function base64Vector(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4))
  return bytes.toString('base64')
}

/** The OpenAI embeddings list, vectors in input order, with `cost_usd` beside the usage. */
export function encodeOpenAIEmbeddings(result: EmbeddingResult, encoding: 'float' | 'base64'): unknown {
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? base64Vector(vector) : vector,
    })),
    model: result.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens, cost_usd: result.costUsd },
  }
}
