import type { Dispatcher } from 'undici'
import type { ReadableBody } from './read-body.js'

/** Unread bytes at which the connection is paused until the reader catches up. */
const pauseAtBytes = 64 * 1024

/**
 * The body of a streamed response as undici hands it over: the dispatch handler
 * pushes each chunk, the reader pulls them with `for await`. While the reader lags
 * by more than 64 KiB the connection is paused, so a slow reader holds a bounded
 * amount. Ending the iteration early (`break`, `destroy`) aborts the request.
 * One object per response, with no stream machinery in between: an event from the
 * socket costs one resolved promise.
 */
export class PushedBody implements ReadableBody, AsyncIterator<Uint8Array> {
  readonly #chunks: Uint8Array[] = []
  #unreadBytes = 0
  #ended = false
  #failure: { error: unknown } | undefined
  #waiting: { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined

  readonly #controller: Dispatcher.DispatchController
  readonly #onClose: () => void

  constructor(controller: Dispatcher.DispatchController, onClose: () => void) {
    this.#controller = controller
    this.#onClose = onClose
  }

  /** From the handler: one chunk of the body. */
  push(chunk: Uint8Array): void {
    if (this.#ended) return
    const waiting = this.#waiting
    if (waiting !== undefined) {
      this.#waiting = undefined
      waiting.resolve({ value: chunk, done: false })
      return
    }
    this.#chunks.push(chunk)
    this.#unreadBytes += chunk.byteLength
    if (this.#unreadBytes > pauseAtBytes) this.#controller.pause()
  }

  /** From the handler: the body is complete. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#onClose()
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.resolve({ value: undefined, done: true })
  }

  /**
   * From the handler: the connection failed. The reader gets `error` after the chunks
   * already received, or at once with `discardUnread` (the caller aborted).
   */
  fail(error: unknown, options: { discardUnread?: boolean } = {}): void {
    if (this.#ended) return
    this.#ended = true
    if (options.discardUnread === true) {
      this.#chunks.length = 0
      this.#unreadBytes = 0
    }
    this.#failure = { error }
    this.#onClose()
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.reject(error)
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#chunks.shift()
    if (chunk !== undefined) {
      this.#unreadBytes -= chunk.byteLength
      if (this.#unreadBytes <= pauseAtBytes && this.#controller.paused) this.#controller.resume()
      return Promise.resolve({ value: chunk, done: false })
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error)
    if (this.#ended) return Promise.resolve({ value: undefined, done: true })
    if (this.#waiting !== undefined) return Promise.reject(new Error('a response body has one reader at a time'))
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject }
    })
  }

  /** `break` out of `for await`: stop reading, and drop the connection if the body is not complete. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.destroy()
    return Promise.resolve({ value: undefined, done: true })
  }

  destroy(error?: Error): void {
    this.#chunks.length = 0
    this.#unreadBytes = 0
    if (this.#ended) return
    const reason = error ?? new Error('the response body was not read to its end')
    this.fail(reason)
    this.#controller.abort(reason)
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this
  }
}
