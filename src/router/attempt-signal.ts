/** Why an attempt's signal aborted. */
export type AttemptAbortCause = 'caller' | 'deadline' | 'attempt-timeout' | 'cancelled'

export interface AttemptSignal {
  readonly signal: AbortSignal
  /** Set once the signal aborted. */
  readonly cause: AttemptAbortCause | undefined
  /** Abort for a reason of the router's own: a lost hedge race, or no first token in time. */
  cancel(reason?: Error): void
  /** Clear the timer and the listener on the caller's signal; call when the attempt ends. */
  dispose(): void
}

/**
 * One AbortController per provider call, aborted by the caller's signal, the
 * request's total deadline or the attempt timeout, whichever comes first, with one
 * timer. This replaces `AbortSignal.any([..., AbortSignal.timeout()])`, which on Node
 * 20 costs two timers, weak references and a lot of garbage per call on the hot path.
 * The abort reason of a timeout is a `TimeoutError` DOMException, as
 * `AbortSignal.timeout` would give, so adapters classify it as a timeout.
 */
export function attemptSignal(options: { callerSignal: AbortSignal | undefined; deadlineAt: number; attemptMs: number; now: () => number }): AttemptSignal {
  return new AttemptAbort(options)
}

/**
 * The controller behind attemptSignal. A class, not closures: it is made for every
 * provider call, and it listens to the caller's signal as an `EventListener` object
 * (`handleEvent`), so a call allocates no listener or timer function.
 */
class AttemptAbort implements AttemptSignal {
  readonly #controller = new AbortController()
  readonly #callerSignal: AbortSignal | undefined
  readonly #deadlineFirst: boolean
  readonly #timer: NodeJS.Timeout
  #cause: AttemptAbortCause | undefined

  constructor(options: { callerSignal: AbortSignal | undefined; deadlineAt: number; attemptMs: number; now: () => number }) {
    this.#callerSignal = options.callerSignal
    if (options.callerSignal?.aborted === true) this.handleEvent()
    else options.callerSignal?.addEventListener('abort', this, { once: true })
    const remaining = options.deadlineAt - options.now()
    this.#deadlineFirst = remaining <= options.attemptMs
    this.#timer = setTimeout(onTimeout, Math.max(0, this.#deadlineFirst ? remaining : options.attemptMs), this)
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get cause(): AttemptAbortCause | undefined {
    return this.#cause
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
    if (this.#controller.signal.aborted) return
    this.#cause = why
    this.#controller.abort(reason)
  }
}

function onTimeout(attempt: AttemptAbort): void {
  attempt.timeout()
}
