import { RollingCounts } from './rolling-counts.js'

export const circuitStates = ['closed', 'open', 'half-open'] as const
export type CircuitState = (typeof circuitStates)[number]

export type CircuitOpenReason = 'consecutive-failures' | 'error-rate' | 'probe-failed'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number
  /** Share of failures over the window that opens it (compared with >=). */
  errorRateThreshold: number
  windowMs: number
  /** Calls the window must hold before its error rate is trusted. */
  minimumRequests: number
  /** How long an open breaker refuses calls before letting one probe through. */
  cooldownMs: number
  /**
   * A probe that has not reported back after this long is presumed lost (its caller
   * crashed or forgot to record), and the next caller may probe instead; without this
   * a lost probe would keep the target shut forever. Default 120000, the default total timeout.
   */
  probeTimeoutMs?: number
  now: () => number
}

export interface CircuitBreakerCounts {
  /** Transitions into each state since creation. */
  opened: number
  halfOpened: number
  closed: number
  /** Calls refused because the breaker was open or its probe was in flight. */
  refused: number
}

const outcomeNames = ['successes', 'failures'] as const

/**
 * The health switch of one target. Closed, calls flow and outcomes are counted;
 * it opens after `failureThreshold` consecutive failures, or when the failure
 * rate over `windowMs` reaches `errorRateThreshold` with at least
 * `minimumRequests` calls seen. Open, every call is refused until `cooldownMs`
 * has passed; then it turns half-open and lets exactly one probe call through,
 * refusing everyone else while the probe is in flight. The probe's success closes
 * the breaker with fresh counts; its failure opens it for another cooldown.
 * Which errors count as failures is the caller's decision (see countsAsBreakerFailure).
 *
 * Outcomes that arrive while open belong to calls started before it opened and
 * are ignored; in half-open the first outcome reported is taken as the probe's.
 */
export class CircuitBreaker {
  readonly #options: Required<CircuitBreakerOptions>
  readonly #outcomes: RollingCounts<(typeof outcomeNames)[number]>
  #currentState: CircuitState = 'closed'
  #consecutiveFailures = 0
  #openedAt = 0
  #probeStartedAt: number | undefined
  #reason: CircuitOpenReason | undefined
  readonly #totals: CircuitBreakerCounts = { opened: 0, halfOpened: 0, closed: 0, refused: 0 }

  constructor(options: CircuitBreakerOptions) {
    this.#options = { ...options, probeTimeoutMs: options.probeTimeoutMs ?? 120_000 }
    this.#outcomes = new RollingCounts({ names: outcomeNames, windowMs: options.windowMs, now: options.now })
  }

  /** The state as of the last call; an open breaker whose cooldown has passed turns half-open when next asked. */
  get state(): CircuitState {
    return this.#currentState
  }

  /** Why the breaker last opened; undefined while it is closed. */
  get openReason(): CircuitOpenReason | undefined {
    return this.#currentState === 'closed' ? undefined : this.#reason
  }

  /**
   * Asks to make a call now. True means go ahead, and in half-open makes this
   * caller the probe: it must then report with recordSuccess, recordFailure or
   * recordNeutral. False means skip this target.
   */
  allowRequest(): boolean {
    const now = this.#options.now()
    if (this.#currentState === 'open' && now - this.#openedAt >= this.#options.cooldownMs) {
      this.#currentState = 'half-open'
      this.#totals.halfOpened += 1
      this.#probeStartedAt = undefined
    }
    if (this.#currentState === 'closed') return true
    if (this.#currentState === 'half-open' && this.#probeSlotFree(now)) {
      this.#probeStartedAt = now
      return true
    }
    this.#totals.refused += 1
    return false
  }

  /** What allowRequest would answer now, without taking the probe slot: for ordering targets. */
  wouldAllowRequest(): boolean {
    const now = this.#options.now()
    if (this.#currentState === 'closed') return true
    if (this.#currentState === 'open') return now - this.#openedAt >= this.#options.cooldownMs
    return this.#probeSlotFree(now)
  }

  /** Milliseconds until an open breaker will let a probe through; 0 when it would now. */
  remainingCooldownMs(): number {
    if (this.#currentState !== 'open') return 0
    return Math.max(0, this.#openedAt + this.#options.cooldownMs - this.#options.now())
  }

  recordSuccess(): void {
    if (this.#currentState === 'half-open') {
      this.#close()
    } else if (this.#currentState === 'closed') {
      this.#consecutiveFailures = 0
      this.#outcomes.add('successes')
    }
  }

  recordFailure(): void {
    if (this.#currentState === 'half-open') {
      this.#open('probe-failed')
    } else if (this.#currentState === 'closed') {
      this.#consecutiveFailures += 1
      this.#outcomes.add('failures')
      if (this.#consecutiveFailures >= this.#options.failureThreshold) {
        this.#open('consecutive-failures')
      } else if (this.#errorRateReached()) {
        this.#open('error-rate')
      }
    }
  }

  /**
   * Reports an outcome that says nothing about the target's health (a 400, a
   * caller's abort): frees the probe slot in half-open so the next caller can
   * probe, and changes nothing otherwise.
   */
  recordNeutral(): void {
    if (this.#currentState === 'half-open') this.#probeStartedAt = undefined
  }

  /** Transition and refusal totals since creation, for metrics. */
  counts(): CircuitBreakerCounts {
    return { ...this.#totals }
  }

  #probeSlotFree(now: number): boolean {
    return this.#probeStartedAt === undefined || now - this.#probeStartedAt >= this.#options.probeTimeoutMs
  }

  #errorRateReached(): boolean {
    const failures = this.#outcomes.sum('failures')
    const total = failures + this.#outcomes.sum('successes')
    return total >= this.#options.minimumRequests && failures / total >= this.#options.errorRateThreshold
  }

  #open(reason: CircuitOpenReason): void {
    this.#currentState = 'open'
    this.#reason = reason
    this.#openedAt = this.#options.now()
    this.#probeStartedAt = undefined
    this.#totals.opened += 1
  }

  #close(): void {
    this.#currentState = 'closed'
    this.#reason = undefined
    this.#consecutiveFailures = 0
    this.#probeStartedAt = undefined
    // The failures that opened the breaker are history once a probe got through.
    this.#outcomes.reset()
    this.#totals.closed += 1
  }
}
