import { Pool, type Dispatcher } from 'undici'
import type { ResponseHeaders } from './header-value.js'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'
import { providerErrorFromFailure } from './provider-error-from-failure.js'
import { providerErrorFromResponse } from './provider-error-from-response.js'
import { readBodyText, type ReadableBody } from './read-body.js'

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
  signal?: AbortSignal
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
  private readonly pool: Pool
  private readonly basePath: string

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.baseURL)
    this.serverAddress = url.hostname
    this.serverPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
    this.basePath = url.pathname.replace(/\/+$/, '')
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? defaultConnections,
      headersTimeout: options.timeoutMs ?? defaultTimeoutMs,
      bodyTimeout: options.timeoutMs ?? defaultTimeoutMs,
    })
  }

  /** The secrets and names that every error of a call to `model` carries. */
  context(model: string): ProviderErrorContext {
    return { provider: this.options.providerName, model, secrets: this.options.secrets }
  }

  /** POSTs JSON; resolves with the open response for a 2xx, rejects with a ProviderError otherwise. */
  async post(request: PostRequest): Promise<HttpResponse> {
    const context = this.context(request.model)
    const { signal } = request
    if (signal?.aborted === true) throw providerErrorFromFailure({ error: signal.reason, context, signal, phase: 'request' })
    let response: Dispatcher.ResponseData
    try {
      response = await this.pool.request({
        method: 'POST',
        path: this.pathWithQuery(request),
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          accept: request.stream ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify(request.body),
        signal,
      })
    } catch (error) {
      throw providerErrorFromFailure({ error, context, signal, phase: 'request' })
    }
    if (response.statusCode >= 300) {
      const bodyText = await readBodyText(response.body, { limitBytes: errorBodyLimitBytes, overflow: 'truncate' }).catch(
        () => '',
      )
      throw providerErrorFromResponse({ status: response.statusCode, headers: response.headers, bodyText, context })
    }
    return { headers: response.headers, body: response.body }
  }

  /** POSTs JSON and reads a JSON answer (bounded in size). */
  async postJson(request: Omit<PostRequest, 'stream'>): Promise<unknown> {
    const context = this.context(request.model)
    const response = await this.post({ ...request, stream: false })
    let text: string
    try {
      text = await readBodyText(response.body, { limitBytes: successBodyLimitBytes, overflow: 'throw' })
    } catch (error) {
      throw providerErrorFromFailure({ error, context, signal: request.signal, phase: 'body' })
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new ProviderError({
        ...context,
        code: 'server_error',
        message: `the response body is not JSON (${text.length} characters).`,
      })
    }
  }

  async close(): Promise<void> {
    await this.pool.close()
  }

  private pathWithQuery(request: PostRequest): string {
    const query = new URLSearchParams({ ...this.options.query, ...request.query }).toString()
    return `${this.basePath}${request.path}${query === '' ? '' : `?${query}`}`
  }
}
