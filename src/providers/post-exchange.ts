import type { Dispatcher } from 'undici'
import type { ResponseHeaders } from './header-value.js'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'
import { providerErrorFromFailure } from './provider-error-from-failure.js'
import { providerErrorFromResponse } from './provider-error-from-response.js'
import { PushedBody } from './pushed-body.js'
import { BodyTooLargeError } from './read-body.js'
import type { AbortWatch } from '../shared/abort-watch.js'

/** What a POST resolves with: parsed JSON, or the open body of a stream. */
export type ExchangeAnswer =
  | { kind: 'json'; value: unknown }
  | { kind: 'stream'; headers: ResponseHeaders; body: PushedBody }

export interface PostExchangeOptions {
  context: ProviderErrorContext
  signal: AbortWatch | undefined
  /** `json`: read the whole body and parse it; `stream`: hand the open body over at the headers. */
  mode: 'json' | 'stream'
  successBodyLimitBytes: number
  errorBodyLimitBytes: number
  resolve: (answer: ExchangeAnswer) => void
  reject: (error: ProviderError) => void
}

/**
 * One POST to a provider as an undici dispatch handler. It replaces
 * `Dispatcher.request()` and its Readable body on the hot path: the caller's
 * signal is watched with one listener that aborts through the dispatch
 * controller (handing the signal to `request()` cost about 40 µs a call), a JSON
 * answer is gathered from the chunks and parsed once, and a stream's chunks go
 * straight to a PushedBody. An error status gathers at most the error-body limit
 * and rejects with the provider's error; every failure becomes a ProviderError
 * with no secret in it.
 */
export class PostExchange implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined
  #status = 0
  #headers: ResponseHeaders = {}
  readonly #chunks: Uint8Array[] = []
  #receivedBytes = 0
  #body: PushedBody | undefined
  #settled = false
  readonly #onAbort = (): void => {
    this.#controller?.abort(abortReason(this.#options.signal))
  }

  readonly #options: PostExchangeOptions

  constructor(options: PostExchangeOptions) {
    this.#options = options
    options.signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    if (this.#options.signal?.aborted === true) controller.abort(abortReason(this.#options.signal))
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (statusCode < 200) return
    this.#status = statusCode
    this.#headers = headers
    if (statusCode < 300 && this.#options.mode === 'stream') {
      this.#body = new PushedBody(controller, () => this.#unwatchSignal())
      this.#settle(() => this.#options.resolve({ kind: 'stream', headers, body: this.#body! }))
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Uint8Array): void {
    if (this.#body !== undefined) {
      this.#body.push(chunk)
      return
    }
    if (this.#settled) return
    const error = this.#status >= 300
    const limit = error ? this.#options.errorBodyLimitBytes : this.#options.successBodyLimitBytes
    const room = limit - this.#receivedBytes
    if (chunk.byteLength <= room) {
      this.#chunks.push(chunk)
      this.#receivedBytes += chunk.byteLength
      return
    }
    if (error) {
      // Enough to say what went wrong; the rest is not read.
      this.#chunks.push(chunk.subarray(0, room))
      this.#receivedBytes = limit
      this.#rejectWithResponse()
    } else {
      this.#fail(new BodyTooLargeError(limit))
    }
    controller.abort(new Error('the response body was not read to its end'))
  }

  onResponseEnd(): void {
    this.#unwatchSignal()
    if (this.#body !== undefined) {
      this.#body.end()
      return
    }
    if (this.#settled) return
    if (this.#status >= 300) {
      this.#rejectWithResponse()
      return
    }
    const text = this.#text()
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      this.#settle(() => this.#options.reject(new ProviderError({
        ...this.#options.context,
        code: 'server_error',
        message: `the response body is not JSON (${text.length} characters).`,
      })))
      return
    }
    this.#settle(() => this.#options.resolve({ kind: 'json', value }))
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#unwatchSignal()
    if (this.#body !== undefined) {
      // After the caller's abort, events still buffered are not handed out.
      this.#body.fail(error, { discardUnread: this.#options.signal?.aborted === true })
      return
    }
    // An error body cut short still says what the provider answered.
    if (this.#status >= 300) this.#rejectWithResponse()
    else this.#fail(error)
  }

  #fail(error: unknown): void {
    const phase = this.#status === 0 ? 'request' : 'body'
    this.#settle(() => this.#options.reject(providerErrorFromFailure({ error, context: this.#options.context, signal: this.#options.signal, phase })))
  }

  #rejectWithResponse(): void {
    const status = this.#status
    const headers = this.#headers
    this.#settle(() => this.#options.reject(providerErrorFromResponse({ status, headers, bodyText: this.#text(), context: this.#options.context })))
  }

  #settle(action: () => void): void {
    if (this.#settled) return
    this.#settled = true
    try {
      action()
    } catch (error) {
      // Building the error must not leave the caller waiting forever.
      this.#options.reject(new ProviderError({ ...this.#options.context, code: 'server_error', message: `the response could not be read (${error instanceof Error ? error.name : 'error'}).` }))
    }
  }

  #text(): string {
    return Buffer.concat(this.#chunks, this.#receivedBytes).toString('utf8')
  }

  #unwatchSignal(): void {
    this.#options.signal?.removeEventListener('abort', this.#onAbort)
  }
}

function abortReason(signal: AbortWatch | undefined): Error {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason : new Error('the request was aborted')
}
