import { z } from 'zod'
import type { EmbeddingCallRequest } from '../../model-call/embedding.js'
import { badVector, embeddingVector } from '../embedding-vectors.js'
import { mergeProviderOptions } from '../merge-provider-options.js'
import { parseWire } from '../parse-wire.js'
import type { ProviderErrorContext } from '../provider-error.js'

/** Gemini's batchEmbedContents takes at most 100 requests: a longer input goes in several batches. */
export const maxGeminiBatchSize = 100

/** One Gemini embeddings call to make: its method and body. */
export interface GeminiEmbeddingCall {
  method: 'embedContent' | 'batchEmbedContents'
  body: Record<string, unknown>
  /** How many vectors the answer must hold. */
  count: number
}

/** `{ embedding: { values } }`, the answer of embedContent. */
const embedContentSchema = z.object({ embedding: z.object({ values: z.unknown() }) })
/** `{ embeddings: [{ values }] }`, the answer of batchEmbedContents. */
const batchEmbedContentsSchema = z.object({ embeddings: z.array(z.object({ values: z.unknown() })) })

/**
 * The call that embeds `input` (at most 100 texts) with Gemini: one input is one
 * `models/{model}:embedContent`; several are one `:batchEmbedContents`, each item
 * naming its model as `models/{model}`. `dimensions` is Gemini's
 * `outputDimensionality`; providerOptions.gemini (`taskType`, `title`) go into
 * each embed request.
 */
export function geminiEmbeddingCall(request: EmbeddingCallRequest, input: string[]): GeminiEmbeddingCall {
  const [only] = input
  if (input.length === 1 && only !== undefined) return { method: 'embedContent', body: embedRequest(request, only, false), count: 1 }
  return { method: 'batchEmbedContents', body: { requests: input.map((text) => embedRequest(request, text, true)) }, count: input.length }
}

function embedRequest(request: EmbeddingCallRequest, text: string, named: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = named ? { model: `models/${modelName(request.model)}` } : {}
  body.content = { parts: [{ text }] }
  if (request.dimensions !== undefined) body.outputDimensionality = request.dimensions
  return mergeProviderOptions(body, request.providerOptions, 'gemini')
}

/**
 * The vectors of one call's answer, in the order of its requests (Gemini answers
 * in request order and numbers nothing). Exactly `call.count` vectors of one
 * length or it is a `server_error`.
 */
export function geminiEmbeddings(answer: unknown, options: { call: GeminiEmbeddingCall; context: ProviderErrorContext }): number[][] {
  const { call, context } = options
  if (call.method === 'embedContent') {
    const parsed = parseWire(answer, embedContentSchema, context)
    return [embeddingVector(parsed.embedding.values, { path: 'embedding.values', expectedLength: undefined, context })]
  }
  const parsed = parseWire(answer, batchEmbedContentsSchema, context)
  if (parsed.embeddings.length !== call.count) throw badVector(context, 'embeddings', `holds ${parsed.embeddings.length} vectors for ${call.count} inputs`)
  let length: number | undefined
  return parsed.embeddings.map((embedding, index) => {
    const vector = embeddingVector(embedding.values, { path: `embeddings[${index}].values`, expectedLength: length, context })
    length = vector.length
    return vector
  })
}

/** The model without the `models/` prefix a caller may have written. */
export function modelName(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model
}
