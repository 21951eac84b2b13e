import { getEventListeners } from 'node:events'

/** Controllers kept for reuse; more than the requests in flight at once is never needed. */
const maxPooled = 256

const pool: AbortController[] = []

/**
 * What cancels one exchange's call: the client leaving, or the request's time
 * (gateway.requestTimeoutMs) running out, whichever comes first. The router needs a
 * real AbortSignal, and on Node 20 a new AbortController costs about 5 µs, on every
 * request; most requests end without an abort, so their controller is kept for the
 * next one. It is reused only when it never aborted and nothing listens to it any
 * more (the router removes its listener when an attempt ends): a caller of an ended
 * request that still listened would otherwise hear the next request's abort. The
 * timer is one per request, calling a shared function with this object (no closure).
 */
export class ExchangeAbort {
  readonly signal: AbortSignal
  readonly #controller: AbortController
  readonly #timer: NodeJS.Timeout
  #timedOut = false

  constructor(timeoutMs: number) {
    this.#controller = pool.pop() ?? new AbortController()
    this.signal = this.#controller.signal
    this.#timer = setTimeout(onTimeout, timeoutMs, this)
  }

  /** Whether the signal was aborted by the request's timeout (a 504) rather than by the client. */
  get timedOut(): boolean {
    return this.#timedOut
  }

  timeOut(): void {
    this.#timedOut = true
    this.#controller.abort(new Error('gateway.requestTimeoutMs passed'))
  }

  clientLeft(): void {
    this.#controller.abort(new Error('the client closed the connection'))
  }

  /** The exchange ended: stop the timer, and keep the controller for another request when it is clean. */
  dispose(): void {
    clearTimeout(this.#timer)
    const signal = this.signal
    if (signal.aborted || pool.length >= maxPooled || getEventListeners(signal, 'abort').length > 0) return
    pool.push(this.#controller)
  }
}

function onTimeout(abort: ExchangeAbort): void {
  abort.timeOut()
}
