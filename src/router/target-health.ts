import { CircuitBreaker } from './circuit-breaker.js'
import { LatencyTracker } from './latency-tracker.js'
import type { BreakerConfig, RouteTarget } from './router-config.js'
import { targetKey } from './target-key.js'

/**
 * Breakers and latency per target (`provider/model`), shared by every route that
 * uses the target: an outage seen through one route protects the others. Bounded by
 * the configured targets.
 */
export class TargetHealth {
  readonly #breakers = new Map<string, CircuitBreaker>()
  readonly #latency = new Map<string, LatencyTracker>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  breaker(target: RouteTarget, config: BreakerConfig): CircuitBreaker {
    const key = targetKey(target)
    let breaker = this.#breakers.get(key)
    if (breaker === undefined) {
      breaker = new CircuitBreaker({ ...config, now: this.#now })
      this.#breakers.set(key, breaker)
    }
    return breaker
  }

  latency(target: Pick<RouteTarget, 'provider' | 'model'>): LatencyTracker {
    const key = targetKey(target)
    let tracker = this.#latency.get(key)
    if (tracker === undefined) {
      tracker = new LatencyTracker({ now: this.#now })
      this.#latency.set(key, tracker)
    }
    return tracker
  }

  /** Breaker states by target, for health checks and the demo. */
  breakerStates(): Record<string, string> {
    return Object.fromEntries([...this.#breakers].map(([key, breaker]) => [key, breaker.state]))
  }
}
