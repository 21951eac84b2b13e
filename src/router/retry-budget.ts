import { RollingCounts } from './rolling-counts.js'

export interface RetryBudgetOptions {
  /** Retries (and fallbacks) allowed per first attempt, e.g. 0.2. */
  ratio: number
  /** Retries allowed regardless of traffic, so a quiet service can still retry. */
  minimumPerSecond: number
  /** How long a first attempt's deposit and a retry's withdrawal count. */
  windowMs: number
  now: () => number
}

export interface RetryBudgetCounts {
  /** First attempts recorded since creation. */
  requests: number
  /** Retries and fallbacks granted since creation. */
  retries: number
  /** Retries and fallbacks refused because the budget was spent. */
  refused: number
}

const counterNames = ['requests', 'retries'] as const

/**
 * Bounds retry amplification, in the manner of a token bucket whose tokens
 * expire: every first attempt deposits `ratio` tokens, every retry or fallback
 * withdraws one, and a reserve of `minimumPerSecond × window` tokens is always
 * there. Deposits and withdrawals both leave the window after `windowMs`, so a
 * storm in which every call fails makes at most (1 + ratio) × requests calls,
 * plus the reserve, instead of requests × attempts × targets. Memory is fixed:
 * counts live in a ring of time buckets.
 */
export class RetryBudget {
  readonly #ratio: number
  readonly #reserve: number
  readonly #window: RollingCounts<(typeof counterNames)[number]>
  readonly #totals: RetryBudgetCounts = { requests: 0, retries: 0, refused: 0 }

  constructor(options: RetryBudgetOptions) {
    if (!(options.ratio >= 0)) throw new RangeError(`ratio must be at least 0, got ${options.ratio}`)
    if (!(options.minimumPerSecond >= 0)) {
      throw new RangeError(`minimumPerSecond must be at least 0, got ${options.minimumPerSecond}`)
    }
    this.#ratio = options.ratio
    this.#reserve = (options.minimumPerSecond * options.windowMs) / 1000
    this.#window = new RollingCounts({ names: counterNames, windowMs: options.windowMs, now: options.now })
  }

  /** Call once per routed request, for its first attempt. */
  recordRequest(): void {
    this.#window.add('requests')
    this.#totals.requests += 1
  }

  /**
   * Call before every retry or fallback: true withdraws a token and lets the call
   * go; false means the budget is spent and the request should fail with the
   * error it has, rather than add load to providers that are already failing.
   */
  tryAcquireRetry(): boolean {
    if (this.balance() < 1) {
      this.#totals.refused += 1
      return false
    }
    this.#window.add('retries')
    this.#totals.retries += 1
    return true
  }

  /** Tokens available now; a retry needs one. */
  balance(): number {
    // Rounded to a millionth so that, say, 5 × 0.2 counts as the whole token it means.
    const deposits = Math.round(this.#window.sum('requests') * this.#ratio * 1e6) / 1e6
    return deposits + this.#reserve - this.#window.sum('retries')
  }

  /** Running totals since creation, for metrics. */
  counts(): RetryBudgetCounts {
    return { ...this.#totals }
  }
}
