import { collectSecrets } from '../collect-secrets.js'
import { driveStream, type ProviderEventStream } from '../drive-stream.js'
import { HttpTransport } from '../http-transport.js'
import { mergeProviderOptions } from '../merge-provider-options.js'
import { parseWire } from '../parse-wire.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { UnsupportedRequestError, type UnsupportedField } from '../unsupported-request-error.js'
import type { EmbeddingCallResult } from '../../model-call/embedding.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import { checkEmbeddingInput } from '../check-embedding-input.js'
import { embedInBatches } from '../embed-in-batches.js'
import type { EmbeddingProviderRequest, Provider, ProviderRequest } from '../provider.js'
import { geminiEmbeddingCall, geminiEmbeddings, maxGeminiBatchSize, modelName } from './gemini-embeddings.js'
import { geminiBody } from './gemini-body.js'
import { geminiUnsupportedField } from './gemini-request-support.js'
import { GeminiResponseAccumulator, geminiResponseSchema } from './gemini-response-accumulator.js'

export interface GeminiProviderOptions {
  apiKey?: string
  /** Without the version path: `https://generativelanguage.googleapis.com`. */
  baseURL?: string
  /** Default `v1beta`, where every current model and feature is served. */
  apiVersion?: string
  headers?: Record<string, string>
  timeoutMs?: number
  connections?: number
}

const defaultBaseURL = 'https://generativelanguage.googleapis.com'

/**
 * The Gemini API (`models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, and embeddings) over one keep-alive pool. The key travels in
 * the `x-goog-api-key` header, never in the URL, where proxies and logs keep it.
 */
export class GeminiProvider implements Provider {
  readonly providerName = 'gcp.gemini'
  readonly #transport: HttpTransport
  readonly #apiVersion: string

  constructor(options: GeminiProviderOptions = {}) {
    this.#apiVersion = options.apiVersion ?? 'v1beta'
    this.#transport = new HttpTransport({
      providerName: this.providerName,
      baseURL: options.baseURL ?? defaultBaseURL,
      headers: { ...options.headers, ...(options.apiKey ? { 'x-goog-api-key': options.apiKey } : {}) },
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      secrets: collectSecrets({ apiKey: options.apiKey, headers: options.headers }),
    })
  }

  get serverAddress(): string {
    return this.#transport.serverAddress
  }

  get serverPort(): number {
    return this.#transport.serverPort
  }

  /** The first field of `request` the model cannot serve (see geminiUnsupportedField). */
  unsupportedField(request: ProviderRequest): UnsupportedField | undefined {
    return geminiUnsupportedField(request)
  }

  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const context = this.#transport.context(request.model)
    const body = await this.#transport.postJson({
      path: this.#methodPath(request.model, 'generateContent'),
      body: this.#body(request, context),
      model: request.model,
      signal: request.signal,
    })
    const accumulator = new GeminiResponseAccumulator(context)
    accumulator.acceptResponse(parseWire(body, geminiResponseSchema, context))
    return accumulator.result()
  }

  stream(request: ProviderRequest): ProviderEventStream {
    const context = this.#transport.context(request.model)
    const open = async (): Promise<AsyncIterable<Uint8Array>> => (await this.#transport.post({
      path: this.#methodPath(request.model, 'streamGenerateContent'),
      query: { alt: 'sse' },
      // Built when the stream is first read: an unsupported field rejects there, before any request.
      body: this.#body(request, context),
      model: request.model,
      signal: request.signal,
      stream: true,
    })).body
    return driveStream({ open, accumulator: new GeminiResponseAccumulator(context), context, signal: request.signal })
  }

  /**
   * `:embedContent` for one input, `:batchEmbedContents` (100 a batch, one after
   * another) for several. Gemini reports no token usage for embeddings: the
   * result says so (`usageReported: false`) and the router estimates the tokens.
   */
  async embed(request: EmbeddingProviderRequest): Promise<EmbeddingCallResult> {
    checkEmbeddingInput(request)
    const context = this.#transport.context(request.model)
    return embedInBatches({
      input: request.input,
      batchSize: maxGeminiBatchSize,
      context,
      embedBatch: async (input) => {
        const call = geminiEmbeddingCall(request, input)
        const answer = await this.#transport.postJson({ path: this.#methodPath(request.model, call.method), body: call.body, model: request.model, signal: request.signal })
        return { embeddings: geminiEmbeddings(answer, { call, context }), inputTokens: 0, usageReported: false, responseModel: modelName(request.model) }
      },
    })
  }

  async close(): Promise<void> {
    await this.#transport.close()
  }

  /** The wire body, after refusing what the model cannot serve; the request's providerOptions.gemini go in last. */
  #body(request: ProviderRequest, context: ProviderErrorContext): Record<string, unknown> {
    const unsupported = this.unsupportedField(request)
    if (unsupported !== undefined) throw new UnsupportedRequestError({ ...unsupported, target: `${this.providerName}/${request.model}` })
    return mergeProviderOptions(geminiBody(request, context), request.providerOptions, 'gemini')
  }

  #methodPath(model: string, method: string): string {
    return `/${this.#apiVersion}/models/${encodeURIComponent(modelName(model))}:${method}`
  }
}

/** A Gemini provider (see GeminiProvider). */
export function createGeminiProvider(options: GeminiProviderOptions = {}): GeminiProvider {
  return new GeminiProvider(options)
}
