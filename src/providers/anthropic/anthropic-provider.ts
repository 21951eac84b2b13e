import { collectSecrets } from '../collect-secrets.js'
import { driveStream, type ProviderEventStream } from '../drive-stream.js'
import { HttpTransport } from '../http-transport.js'
import { mergeProviderOptions } from '../merge-provider-options.js'
import { parseWire } from '../parse-wire.js'
import { UnsupportedRequestError, type UnsupportedField } from '../unsupported-request-error.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { Provider, ProviderRequest } from '../provider.js'
import { anthropicBody } from './anthropic-body.js'
import { anthropicUnsupportedField } from './anthropic-request-support.js'
import { anthropicMessageSchema, anthropicResult } from './anthropic-result.js'
import { anthropicSampling } from './anthropic-sampling.js'
import { AnthropicStreamAccumulator } from './anthropic-stream.js'

export interface AnthropicProviderOptions {
  apiKey?: string
  /** Without the version path, as in the official SDK: `https://api.anthropic.com`. */
  baseURL?: string
  /** Extra headers for every request (`anthropic-beta`, ...). */
  headers?: Record<string, string>
  /** Default `2023-06-01`, the current version of the Messages API. */
  anthropicVersion?: string
  /**
   * `max_tokens` when a request sets none: the Messages API requires it. 4096 fits
   * every current model's output limit while rarely truncating an ordinary answer.
   */
  defaultMaxTokens?: number
  timeoutMs?: number
  connections?: number
}

const defaultBaseURL = 'https://api.anthropic.com'
const defaultAnthropicVersion = '2023-06-01'
const defaultMaxTokens = 4096

/** Anthropic's Messages API (`POST /v1/messages`), plain and streamed, over one keep-alive pool. */
export class AnthropicProvider implements Provider {
  readonly providerName = 'anthropic'
  readonly #transport: HttpTransport
  readonly #defaultMaxTokens: number

  constructor(options: AnthropicProviderOptions = {}) {
    this.#defaultMaxTokens = options.defaultMaxTokens ?? defaultMaxTokens
    const headers: Record<string, string> = {
      ...options.headers,
      'anthropic-version': options.anthropicVersion ?? defaultAnthropicVersion,
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    }
    this.#transport = new HttpTransport({
      providerName: this.providerName,
      baseURL: options.baseURL ?? defaultBaseURL,
      headers,
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

  /** The first field of `request` the model cannot serve (see anthropicUnsupportedField). */
  unsupportedField(request: ProviderRequest): UnsupportedField | undefined {
    return anthropicUnsupportedField(request)
  }

  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const context = this.#transport.context(request.model)
    const body = await this.#transport.postJson({
      path: '/v1/messages',
      body: this.#body(request, false),
      model: request.model,
      signal: request.signal,
    })
    const result = anthropicResult(parseWire(body, anthropicMessageSchema, context), context)
    const dropped = droppedFields(request)
    if (dropped.length > 0) result.droppedRequestFields = dropped
    return result
  }

  stream(request: ProviderRequest): ProviderEventStream {
    const context = this.#transport.context(request.model)
    const open = async (): Promise<AsyncIterable<Uint8Array>> => (await this.#transport.post({
      path: '/v1/messages',
      // Built when the stream is first read: an unsupported field rejects there, before any request.
      body: this.#body(request, true),
      model: request.model,
      signal: request.signal,
      stream: true,
    })).body
    const accumulator = new AnthropicStreamAccumulator(context, droppedFields(request))
    return driveStream({ open, accumulator, context, signal: request.signal })
  }

  /** The wire body, after refusing what the model cannot serve; the request's providerOptions.anthropic go in last. */
  #body(request: ProviderRequest, stream: boolean): Record<string, unknown> {
    const unsupported = this.unsupportedField(request)
    if (unsupported !== undefined) throw new UnsupportedRequestError({ ...unsupported, target: `${this.providerName}/${request.model}` })
    const context = this.#transport.context(request.model)
    const body = anthropicBody(request, { defaultMaxTokens: this.#defaultMaxTokens, stream, context })
    return mergeProviderOptions(body, request.providerOptions, 'anthropic')
  }

  async close(): Promise<void> {
    await this.#transport.close()
  }
}

function droppedFields(request: ProviderRequest): string[] {
  return anthropicSampling(request.model, request.temperature, request.topP, request.reasoning !== undefined).dropped
}

/** An Anthropic provider (see AnthropicProvider). */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): AnthropicProvider {
  return new AnthropicProvider(options)
}
