import type { AbortWatch } from '../../shared/abort-watch.js'

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortWatch) => Promise<void>

/** The real-time Sleep: a timer that an abort clears. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason)
      return
    }
    if (ms <= 0) {
      // A zero delay must cost nothing: benchmarks and tests run many zero-latency calls.
      resolve()
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/** Resolves when the signal aborts (never, without one). */
export function abortion(signal: AbortWatch): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
