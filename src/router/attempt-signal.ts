/** Why an attempt's signal aborted. */
export type AttemptAbortCause = 'caller' | 'deadline' | 'attempt-timeout' | 'cancelled'

export interface AttemptSignal {
  readonly signal: AbortSignal
  /** Set once the signal aborted. */
  readonly cause: AttemptAbortCause | undefined
  /** Abort for a reason of the router's own (a lost hedge race). */
  cancel(): void
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
  const controller = new AbortController()
  let cause: AttemptAbortCause | undefined
  const abort = (why: AttemptAbortCause, reason: unknown): void => {
    if (controller.signal.aborted) return
    cause = why
    controller.abort(reason)
  }
  const onCallerAbort = (): void => abort('caller', options.callerSignal?.reason)
  if (options.callerSignal?.aborted === true) onCallerAbort()
  else options.callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  const remaining = options.deadlineAt - options.now()
  const deadlineFirst = remaining <= options.attemptMs
  const timer = setTimeout(() => {
    abort(deadlineFirst ? 'deadline' : 'attempt-timeout', new DOMException(deadlineFirst ? 'the request deadline passed' : 'the attempt timed out', 'TimeoutError'))
  }, Math.max(0, deadlineFirst ? remaining : options.attemptMs))
  return {
    signal: controller.signal,
    get cause() {
      return cause
    },
    cancel: () => abort('cancelled', new Error('hedge lost')),
    dispose() {
      clearTimeout(timer)
      options.callerSignal?.removeEventListener('abort', onCallerAbort)
    },
  }
}
