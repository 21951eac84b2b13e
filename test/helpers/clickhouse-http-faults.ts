/** How many faults a front has injected so far (cumulative; `clear()` keeps them). */
export interface FaultCounts {
  /** Requests whose socket was destroyed without an answer (never executed). */
  resets: number
  /** Requests whose answer was held back by `stall`. */
  stalls: number
  /** Requests answered with an injected error status (never executed). */
  failures: number
}

/** What a test can break in a ClickHouse HTTP front. */
export interface FaultControls {
  /** Destroy the socket of each of the next `count` requests without answering or executing them. */
  resetNextConnections(count: number): void
  /**
   * Hold the answer to every request for `ms` (or until `clear()`). The
   * statement still runs first, like a server whose reply is slow to arrive,
   * so a client that times out cannot tell whether its insert landed.
   */
  stall(ms: number): void
  /** Answer each of the next `count` requests with `status` and a ClickHouse error, without executing them. */
  failNext(count: number, status?: number): void
  /** Cancel pending resets and failures, stop stalling, and release held answers now. */
  clear(): void
  readonly injected: Readonly<FaultCounts>
}

/** The front's side of the fault controls: it asks, per request, what to break. */
export interface FaultInjector extends FaultControls {
  takeReset(): boolean
  /** The status to fail this request with, if a failure is pending. */
  takeFailure(): number | undefined
  /** Resolves when this request may be answered. */
  holdAnswer(): Promise<void>
}

const DEFAULT_FAILURE_STATUS = 503

export function createFaultInjector(): FaultInjector {
  const counts: FaultCounts = { resets: 0, stalls: 0, failures: 0 }
  const held = new Set<() => void>()
  let pendingResets = 0
  let pendingFailures = 0
  let failureStatus = DEFAULT_FAILURE_STATUS
  let stallMs = 0

  return {
    resetNextConnections(count) {
      pendingResets = count
    },
    stall(ms) {
      stallMs = ms
    },
    failNext(count, status = DEFAULT_FAILURE_STATUS) {
      pendingFailures = count
      failureStatus = status
    },
    clear() {
      pendingResets = 0
      pendingFailures = 0
      stallMs = 0
      for (const release of [...held]) release()
    },
    get injected() {
      return { ...counts }
    },
    takeReset() {
      if (pendingResets <= 0) return false
      pendingResets -= 1
      counts.resets += 1
      return true
    },
    takeFailure() {
      if (pendingFailures <= 0) return undefined
      pendingFailures -= 1
      counts.failures += 1
      return failureStatus
    },
    holdAnswer() {
      if (stallMs <= 0) return Promise.resolve()
      counts.stalls += 1
      return new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer)
          held.delete(release)
          resolve()
        }
        const timer = setTimeout(release, stallMs)
        held.add(release)
      })
    },
  }
}
