import { Pool } from 'undici'
import type { ResponseHeaders } from './header-value.js'
import type { ProviderErrorContext } from './provider-error.js'
import { providerErrorFromFailure } from './provider-error-from-failure.js'
import { PostExchange, type ExchangeAnswer } from './post-exchange.js'
import type { ReadableBody } from './read-body.js'
import type { AbortWatch } from '../shared/abort-watch.js'

export interface HttpTransportOptions {
  providerName: string
  /** Origin plus an optional path prefix (`https://api.openai.com/v1`). */
  baseURL: string
  /** Sent with every request, auth included. */
  headers: Record<string, string>
  /** Sent with every request (Azure's `api-version`); values are treated as secrets. */
  query?: Record<string, string>
  /**
   * Longest wait for the response headers, and longest silence between two body
   * chunks, in ms. It bounds a stalled call without cutting a long but live stream.
   * undici checks these on a coarse clock (about half a second), so they suit
   * seconds, not milliseconds; a caller's AbortSignal is exact.
   */
  timeoutMs?: number
  /** Keep-alive connections to the origin at most. */
  connections?: number
  /** Values that must never appear in an error (API keys, auth header values). */
  secrets: readonly string[]
}

export interface PostRequest {
  path: string
  query?: Record<string, string>
  body: unknown
  model: string
  signal?: AbortWatch
  stream: boolean
}

export interface HttpResponse {
  headers: ResponseHeaders
  body: ReadableBody
}

const defaultConnections = 32
/** The official SDKs wait 10 minutes: a reasoning model may think that long before its first byte. */
const defaultTimeoutMs = 600_000
const errorBodyLimitBytes = 64 * 1024
const successBodyLimitBytes = 32 * 1024 * 1024

/**
 * JSON-over-HTTP for one provider instance: one keep-alive undici Pool bound to
 * the base URL's origin, shared by every call; HTTP and connection failures
 * come out as ProviderError with no secret in them.
 */
export class HttpTransport {
  readonly serverAddress: string
  readonly serverPort: number
  readonly #pool: Pool
  readonly #basePath: string
  readonly #jsonHeaders: Record<string, string>
  readonly #streamHeaders: Record<string, string>
  /** The configured query string, encoded once. */
  readonly #query: string

  readonly #options: HttpTransportOptions

  constructor(options: HttpTransportOptions) {
    this.#options = options
    const url = new URL(options.baseURL)
    this.serverAddress = url.hostname
    this.serverPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
    this.#basePath = url.pathname.replace(/\/+$/, '')
    this.#jsonHeaders = { ...options.headers, 'content-type': 'application/json', accept: 'application/json' }
    this.#streamHeaders = { ...options.headers, 'content-type': 'application/json', accept: 'text/event-stream' }
    this.#query = new URLSearchParams(options.query).toString()
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? defaultConnections,
      headersTimeout: options.timeoutMs ?? defaultTimeoutMs,
      bodyTimeout: options.timeoutMs ?? defaultTimeoutMs,
    })
  }

  /** The secrets and names that every error of a call to `model` carries. */
  context(model: string): ProviderErrorContext {
    return { provider: this.#options.providerName, model, secrets: this.#options.secrets }
  }

  /** POSTs JSON; resolves with the open response for a 2xx (its body unread), rejects with a ProviderError otherwise. */
  async post(request: PostRequest): Promise<HttpResponse> {
    const answer = await this.#exchange(request, 'stream', request.stream)
    if (answer.kind !== 'stream') throw new Error('an open-body POST answered as JSON')
    return { headers: answer.headers, body: answer.body }
  }

  /** POSTs JSON and reads a JSON answer (bounded in size). */
  async postJson(request: Omit<PostRequest, 'stream'>): Promise<unknown> {
    const answer = await this.#exchange(request, 'json', false)
    if (answer.kind !== 'json') throw new Error('a JSON POST answered as a stream')
    return answer.value
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }

  /** `mode` says how the answer is read; `acceptsEvents` picks the Accept header (an SSE stream or JSON). */
  #exchange(request: Omit<PostRequest, 'stream'>, mode: 'json' | 'stream', acceptsEvents: boolean): Promise<ExchangeAnswer> {
    const context = this.context(request.model)
    const { signal } = request
    if (signal?.aborted === true) return Promise.reject(providerErrorFromFailure({ error: signal.reason, context, signal, phase: 'request' }))
    let body: string
    try {
      body = JSON.stringify(request.body)
    } catch (error) {
      return Promise.reject(providerErrorFromFailure({ error, context, signal, phase: 'request' }))
    }
    return new Promise((resolve, reject) => {
      const handler = new PostExchange({ context, signal, mode, successBodyLimitBytes, errorBodyLimitBytes, resolve, reject })
      this.#pool.dispatch({
        method: 'POST',
        path: this.#pathWithQuery(request),
        headers: acceptsEvents ? this.#streamHeaders : this.#jsonHeaders,
        body,
      }, handler)
    })
  }

  #pathWithQuery(request: Omit<PostRequest, 'stream'>): string {
    const query = request.query === undefined ? this.#query : new URLSearchParams({ ...this.#options.query, ...request.query }).toString()
    return `${this.#basePath}${request.path}${query === '' ? '' : `?${query}`}`
  }
}
