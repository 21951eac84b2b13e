import { CircuitBreaker } from './circuit-breaker.js'
import { LatencyTracker } from './latency-tracker.js'
import type { BreakerConfig, RouteTarget } from './router-config.js'
import { targetKey } from './target-key.js'

/**
 * Breakers and latency per target (`provider/model`), shared by every route that
 * uses the target: an outage seen through one route protects the others. Requests
 * addressed by `provider/model` can name any model, so the maps are bounded: past
 * `maxTargets` the least recently created entry goes (its target starts afresh).
 */
const maxTargets = 1_024

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  if (map.size >= maxTargets) map.delete(map.keys().next().value!)
  map.set(key, value)
  return value
}

export class TargetHealth {
  readonly #breakers = new Map<string, CircuitBreaker>()
  readonly #latency = new Map<string, LatencyTracker>()
  readonly #now: () => number
  // A route's targets are the same objects on every request: their key is built once,
  // not concatenated (and hashed afresh) on each of the several lookups per call.
  readonly #keys = new WeakMap<object, string>()

  constructor(now: () => number) {
    this.#now = now
  }

  breaker(target: RouteTarget, config: BreakerConfig): CircuitBreaker {
    const key = this.#keyOf(target)
    let breaker = this.#breakers.get(key)
    if (breaker === undefined) {
      breaker = remember(this.#breakers, key, new CircuitBreaker({ ...config, now: this.#now }))
    }
    return breaker
  }

  latency(target: Pick<RouteTarget, 'provider' | 'model'>): LatencyTracker {
    const key = this.#keyOf(target)
    let tracker = this.#latency.get(key)
    if (tracker === undefined) {
      tracker = remember(this.#latency, key, new LatencyTracker({ now: this.#now }))
    }
    return tracker
  }

  #keyOf(target: Pick<RouteTarget, 'provider' | 'model'>): string {
    let key = this.#keys.get(target)
    if (key === undefined) {
      key = targetKey(target)
      this.#keys.set(target, key)
    }
    return key
  }

  /** Breaker states by target, for health checks and the demo. */
  breakerStates(): Record<string, string> {
    return Object.fromEntries([...this.#breakers].map(([key, breaker]) => [key, breaker.state]))
  }
}
