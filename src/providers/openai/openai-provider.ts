import { collectSecrets } from '../collect-secrets.js'
import { driveStream, type ProviderEventStream, type StreamAccumulator } from '../drive-stream.js'
import { HttpTransport } from '../http-transport.js'
import { mergeProviderOptions } from '../merge-provider-options.js'
import { parseWire, parseWireFast } from '../parse-wire.js'
import { UnsupportedRequestError, type UnsupportedField } from '../unsupported-request-error.js'
import type { EmbeddingCallResult } from '../../model-call/embedding.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import { checkEmbeddingInput } from '../check-embedding-input.js'
import { embedInBatches } from '../embed-in-batches.js'
import type { EmbeddingProviderRequest, Provider, ProviderRequest } from '../provider.js'
import { embeddingsBatchSize } from './embeddings-batch-size.js'
import { embeddingsBody } from './embeddings-body.js'
import { embeddingsResponseSchema, embeddingsResult } from './embeddings-result.js'
import { chatCompletionsBody, type ChatCompletionsDialect } from './chat-completions-body.js'
import { chatCompletionResult, chatCompletionWire } from './chat-completions-result.js'
import { openaiUnsupportedField, type HostLack } from './openai-request-support.js'
import { ChatCompletionsStreamAccumulator } from './chat-completions-stream.js'
import { responsesBody } from './responses-body.js'
import { responseSchema, responsesResult } from './responses-result.js'
import { ResponsesStreamAccumulator } from './responses-stream.js'

/** How the API key is sent: `Authorization: Bearer` (OpenAI and most hosts), Azure's `api-key` header, or not at all (local servers). */
export type AuthStyle = 'bearer' | 'api-key' | 'none'

export interface OpenAIProviderOptions extends Partial<ChatCompletionsDialect> {
  /** The GenAI provider name on spans; `openai` unless this is another host. */
  providerName?: string
  /** Including the version prefix, as in the official SDK: `https://api.openai.com/v1`. */
  baseURL?: string
  apiKey?: string
  authStyle?: AuthStyle
  /** Extra headers for every request (OpenAI-Organization, HTTP-Referer, ...). */
  headers?: Record<string, string>
  /** Extra query parameters for every request (Azure's `api-version`). */
  query?: Record<string, string>
  /** Longest wait for response headers and longest silence within a body, in ms. */
  timeoutMs?: number
  /** Keep-alive connections at most. */
  connections?: number
  /** Which key of a request's `providerOptions` is merged into the body: `openai` (default) or `openai-compatible`. */
  providerType?: 'openai' | 'openai-compatible'
  /** Request features this host does not serve (from its preset); asking for one is an error before any call. */
  lacks?: readonly HostLack[]
}

const defaultBaseURL = 'https://api.openai.com/v1'

/**
 * The OpenAI wire format over one keep-alive pool: Chat Completions
 * (`POST {baseURL}/chat/completions`) and, when `request.api` is `responses`,
 * the Responses API (`POST {baseURL}/responses`), plain and streamed, and
 * embeddings (`POST {baseURL}/embeddings`). It is
 * parameterized by host, auth style, dialect and provider name, so that every
 * OpenAI-compatible server is a configuration of it, not a copy.
 */
export class OpenAIProvider implements Provider {
  readonly providerName: string
  readonly #transport: HttpTransport
  readonly #dialect: ChatCompletionsDialect
  readonly #providerType: 'openai' | 'openai-compatible'
  readonly #lacks: readonly HostLack[]

  constructor(options: OpenAIProviderOptions = {}) {
    this.providerName = options.providerName ?? 'openai'
    this.#providerType = options.providerType ?? 'openai'
    this.#lacks = options.lacks ?? []
    this.#dialect = {
      maxTokensField: options.maxTokensField ?? 'max_completion_tokens',
      developerRole: options.developerRole ?? 'developer',
      streamUsageOption: options.streamUsageOption ?? true,
    }
    const headers = { ...options.headers, ...authHeaders(options.authStyle ?? 'bearer', options.apiKey) }
    this.#transport = new HttpTransport({
      providerName: this.providerName,
      baseURL: options.baseURL ?? defaultBaseURL,
      headers,
      query: options.query,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      secrets: collectSecrets({ apiKey: options.apiKey, headers, query: options.query }),
    })
  }

  get serverAddress(): string {
    return this.#transport.serverAddress
  }

  get serverPort(): number {
    return this.#transport.serverPort
  }

  /** The first field of `request` this host cannot serve (see openaiUnsupportedField); the router asks before choosing a target. */
  unsupportedField(request: ProviderRequest): UnsupportedField | undefined {
    return openaiUnsupportedField(request, { providerType: this.#providerType, lacks: this.#lacks })
  }

  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const context = this.#transport.context(request.model)
    const { model, signal } = request
    const body = this.#body(request, false)
    if (request.api === 'responses') {
      const answer = await this.#transport.postJson({ path: '/responses', body, model, signal })
      return responsesResult(parseWire(answer, responseSchema, context), context)
    }
    const answer = await this.#transport.postJson({ path: '/chat/completions', body, model, signal })
    return chatCompletionResult(parseWireFast(answer, chatCompletionWire, context), context)
  }

  stream(request: ProviderRequest): ProviderEventStream {
    const context = this.#transport.context(request.model)
    const responses = request.api === 'responses'
    const accumulator: StreamAccumulator = responses
      ? new ResponsesStreamAccumulator(context)
      : new ChatCompletionsStreamAccumulator(context)
    const open = async (): Promise<AsyncIterable<Uint8Array>> => (await this.#transport.post({
      path: responses ? '/responses' : '/chat/completions',
      // Built when the stream is first read: an unsupported field rejects there, like an HTTP error, before any request.
      body: this.#body(request, true),
      model: request.model,
      signal: request.signal,
      stream: true,
    })).body
    return driveStream({ open, accumulator, context, signal: request.signal })
  }

  /**
   * `POST {baseURL}/embeddings`: one vector per input, in input order, with the
   * billed input tokens. A request whose answer could pass the bound on a response
   * body goes in several calls, one after another (see embeddingsBatchSize).
   */
  async embed(request: EmbeddingProviderRequest): Promise<EmbeddingCallResult> {
    checkEmbeddingInput(request)
    const context = this.#transport.context(request.model)
    return embedInBatches({
      input: request.input,
      batchSize: embeddingsBatchSize(request.model, request.dimensions),
      context,
      embedBatch: async (input) => {
        const body = embeddingsBody({ ...request, input }, this.#providerType)
        const answer = await this.#transport.postJson({ path: '/embeddings', body, model: request.model, signal: request.signal })
        return embeddingsResult(parseWire(answer, embeddingsResponseSchema, context), { inputCount: input.length, model: request.model, context })
      },
    })
  }

  /** The wire body, after refusing what this host cannot serve; the request's providerOptions for this type go in last. */
  #body(request: ProviderRequest, stream: boolean): Record<string, unknown> {
    const unsupported = this.unsupportedField(request)
    if (unsupported !== undefined) throw new UnsupportedRequestError({ ...unsupported, target: `${this.providerName}/${request.model}` })
    const body = request.api === 'responses' ? responsesBody(request, stream) : chatCompletionsBody(request, this.#dialect, stream)
    return mergeProviderOptions(body, request.providerOptions, this.#providerType)
  }

  async close(): Promise<void> {
    await this.#transport.close()
  }
}

function authHeaders(style: AuthStyle, apiKey: string | undefined): Record<string, string> {
  if (apiKey === undefined || apiKey === '' || style === 'none') return {}
  return style === 'bearer' ? { authorization: `Bearer ${apiKey}` } : { 'api-key': apiKey }
}

/** An OpenAI provider (see OpenAIProvider). */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): OpenAIProvider {
  return new OpenAIProvider(options)
}
