import type { AbortListener, AbortWatch } from '../shared/abort-watch.js'

/** Why an attempt's signal aborted. */
export type AttemptAbortCause = 'caller' | 'deadline' | 'attempt-timeout' | 'cancelled'

export interface AttemptSignal {
  readonly signal: AbortWatch
  /** Set once the signal aborted. */
  readonly cause: AttemptAbortCause | undefined
  /** Abort for a reason of the router's own: a lost hedge race, or no first token in time. */
  cancel(reason?: Error): void
  /** Clear the timer and the listener on the caller's signal; call when the attempt ends. */
  dispose(): void
}

/**
 * One abort per provider call, fired by the caller's signal, the request's total
 * deadline or the attempt timeout, whichever comes first, with one timer. It is
 * not an AbortController: on Node 20 a new AbortSignal costs about 7 µs and adding
 * and removing a listener about as much again, and every call made one and
 * watched it. The adapters take an AbortWatch, which this is, at the cost of a
 * small array. The abort reason of a timeout is a `TimeoutError` DOMException, as
 * `AbortSignal.timeout` would give, so adapters classify it as a timeout.
 */
export function attemptSignal(options: { callerSignal: AbortSignal | undefined; deadlineAt: number; attemptMs: number; now: () => number }): AttemptSignal {
  return new AttemptAbort(options)
}

/**
 * The abort behind attemptSignal. A class, not closures: it is made for every
 * provider call, and it listens to the caller's signal as an `EventListener` object
 * (`handleEvent`), so a call allocates no listener or timer function.
 */
class AttemptAbort implements AttemptSignal, AbortWatch {
  readonly #callerSignal: AbortSignal | undefined
  readonly #deadlineFirst: boolean
  readonly #timer: NodeJS.Timeout
  #listeners: AbortListener[] | undefined
  #aborted = false
  #reason: unknown
  #cause: AttemptAbortCause | undefined

  constructor(options: { callerSignal: AbortSignal | undefined; deadlineAt: number; attemptMs: number; now: () => number }) {
    this.#callerSignal = options.callerSignal
    if (options.callerSignal?.aborted === true) this.handleEvent()
    else options.callerSignal?.addEventListener('abort', this, { once: true })
    const remaining = options.deadlineAt - options.now()
    this.#deadlineFirst = remaining <= options.attemptMs
    this.#timer = setTimeout(onTimeout, Math.max(0, this.#deadlineFirst ? remaining : options.attemptMs), this)
  }

  get signal(): AbortWatch {
    return this
  }

  get aborted(): boolean {
    return this.#aborted
  }

  get reason(): unknown {
    return this.#reason
  }

  get cause(): AttemptAbortCause | undefined {
    return this.#cause
  }

  /** Listeners are called once, at the abort, as with `{ once: true }` on an AbortSignal. */
  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.#aborted) return
    if (this.#listeners === undefined) this.#listeners = [listener]
    else if (!this.#listeners.includes(listener)) this.#listeners.push(listener)
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const listeners = this.#listeners
    if (listeners === undefined) return
    const index = listeners.indexOf(listener)
    if (index >= 0) listeners.splice(index, 1)
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.#abort('caller', this.#callerSignal?.reason)
  }

  timeout(): void {
    const deadline = this.#deadlineFirst
    this.#abort(deadline ? 'deadline' : 'attempt-timeout', new DOMException(deadline ? 'the request deadline passed' : 'the attempt timed out', 'TimeoutError'))
  }

  cancel(reason: Error = new Error('hedge lost')): void {
    this.#abort('cancelled', reason)
  }

  dispose(): void {
    clearTimeout(this.#timer)
    this.#callerSignal?.removeEventListener('abort', this)
  }

  #abort(why: AttemptAbortCause, reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#cause = why
    // As AbortSignal does, a reason-less abort reads as an AbortError.
    this.#reason = reason ?? new DOMException('This operation was aborted', 'AbortError')
    clearTimeout(this.#timer)
    const listeners = this.#listeners
    this.#listeners = undefined
    if (listeners === undefined) return
    for (const listener of listeners) {
      try {
        if (typeof listener === 'function') listener()
        else listener.handleEvent()
      } catch (error) {
        // As an EventTarget does: a listener's throw is reported, and the others still run.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

function onTimeout(attempt: AttemptAbort): void {
  attempt.timeout()
}
