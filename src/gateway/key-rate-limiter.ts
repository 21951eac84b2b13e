import { diag } from '@opentelemetry/api'
import type { SharedConfig } from '../config/shared-config.js'
import { GatewayError } from './gateway-error.js'
import type { RateLimit } from './rate-limit.js'
import { SharedRateLimiter } from './shared-rate-limiter.js'

export type { RateLimit }

/** A bucket that refills continuously at `perMinute` a minute up to `perMinute`; it may go below 0 (tokens are debited after the call). */
class Bucket {
  #level: number
  #updatedAt: number
  constructor(readonly perMinute: number, now: number) {
    this.#level = perMinute
    this.#updatedAt = now
  }

  level(now: number): number {
    const elapsed = Math.max(0, now - this.#updatedAt)
    this.#level = Math.min(this.perMinute, this.#level + (elapsed * this.perMinute) / 60_000)
    this.#updatedAt = now
    return this.#level
  }

  take(amount: number, now: number): void {
    this.level(now)
    this.#level -= amount
  }

  /** Seconds until the level is at least `amount` again. */
  secondsUntil(amount: number, now: number): number {
    const missing = amount - this.level(now)
    return Math.max(1, Math.ceil((missing * 60) / this.perMinute))
  }
}

interface KeyBuckets {
  limit: RateLimit
  requests?: Bucket
  tokens?: Bucket
}

/** The shared buckets in use, and the config they follow. */
interface SharedPart {
  limiter: SharedRateLimiter
  url: string
  onUnavailable: 'local' | 'block'
}

/**
 * Per-key requests and tokens per minute, as token buckets. Without `shared`, per
 * process: each gateway process counts its own traffic, so N processes behind a
 * balancer allow up to N times the limit, and `admit` decides synchronously. With
 * `shared` (Redis), the buckets are global: every process takes from the same ones
 * through one atomic script call, so `admit` returns a promise. A request is refused
 * while either bucket is empty; tokens are debited once the call reports usage, so one
 * large call may take a bucket below zero, and the next waits for it to refill. While
 * Redis does not answer, `shared.onUnavailable` decides: `local` counts in this
 * process's own buckets (warned once an outage), `block` refuses with a 503.
 * Buckets are kept per configured key name: bounded by the config's key list.
 */
export class KeyRateLimiter {
  readonly #buckets = new Map<string, KeyBuckets>()
  /** The limit each key was last admitted under, so `spend` debits the same buckets. */
  readonly #limits = new Map<string, RateLimit>()
  readonly #now: () => number
  #shared: SharedPart | undefined
  #sharedDown = false

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /**
   * Follow the config's `shared`: connect to its Redis (or stop using one) when the URL
   * or policy changed. Resolves once the first connection is up or 2 s passed (a Redis
   * that is down at start is an outage like any other).
   */
  async useShared(shared: SharedConfig | undefined): Promise<void> {
    const current = this.#shared
    if (current?.url === shared?.url && current?.onUnavailable === shared?.onUnavailable) return
    if (current !== undefined && shared !== undefined && current.url === shared.url) {
      this.#shared = { ...current, onUnavailable: shared.onUnavailable }
      return
    }
    this.#shared = undefined
    this.#sharedDown = false
    if (shared !== undefined) {
      const limiter = new SharedRateLimiter({ url: shared.url })
      this.#shared = { limiter, url: shared.url, onUnavailable: shared.onUnavailable }
      await limiter.ready(2_000).catch(() => false)
    }
    await current?.limiter.close()
  }

  /** The shared limiter in use, if any (for tests and shutdown). */
  get shared(): SharedRateLimiter | undefined {
    return this.#shared?.limiter
  }

  /**
   * Take one request from the key's bucket, or throw a 429 `rate_limited` with
   * Retry-After. Synchronous without `shared`; with it, a promise that rejects instead.
   */
  admit(keyName: string, limit: RateLimit | undefined): void | Promise<void> {
    if (limit === undefined || (limit.requestsPerMinute === undefined && limit.tokensPerMinute === undefined)) return
    this.#limits.set(keyName, limit)
    const shared = this.#shared
    if (shared === undefined) return this.#admitLocally(keyName, limit)
    return this.#admitShared(shared, keyName, limit)
  }

  /** Debit the tokens a finished call used (in Redis with `shared`, not awaited). */
  spend(keyName: string, tokens: number): void {
    const shared = this.#shared
    const limit = this.#limits.get(keyName)
    if (shared !== undefined && !this.#sharedDown && limit !== undefined) {
      shared.limiter.spend(keyName, limit, tokens)
      return
    }
    const buckets = this.#buckets.get(keyName)
    if (buckets?.tokens !== undefined && tokens > 0) buckets.tokens.take(tokens, this.#now())
  }

  /** Forget keys no longer configured (after a reload), so the maps stay bounded by the config. */
  retain(keyNames: ReadonlySet<string>): void {
    for (const name of [...this.#buckets.keys()]) if (!keyNames.has(name)) this.#buckets.delete(name)
    for (const name of [...this.#limits.keys()]) if (!keyNames.has(name)) this.#limits.delete(name)
  }

  /** Send the debits gathered and close the connection to the shared Redis. */
  async close(): Promise<void> {
    const shared = this.#shared
    this.#shared = undefined
    await shared?.limiter.close()
  }

  async #admitShared(shared: SharedPart, keyName: string, limit: RateLimit): Promise<void> {
    const admission = await shared.limiter.admit(keyName, limit)
    if (admission.outcome === 'unavailable') {
      if (!this.#sharedDown) diag.warn(`switchyard gateway: the shared rate limiter does not answer (${admission.message}); shared.onUnavailable is ${shared.onUnavailable}`)
      this.#sharedDown = true
      if (shared.onUnavailable === 'local') return this.#admitLocally(keyName, limit)
      throw new GatewayError({
        status: 503,
        code: 'gateway_unavailable',
        message: `the shared rate limiter (Redis at ${shared.limiter.url}) is down and shared.onUnavailable is "block": key "${keyName}" is not admitted`,
        retryAfterSeconds: 1,
      })
    }
    if (this.#sharedDown) diag.info(`switchyard gateway: the shared rate limiter answers again (Redis at ${shared.limiter.url})`)
    this.#sharedDown = false
    if (admission.outcome === 'refused') throw refusal(keyName, admission.bucket, Math.max(1, Math.ceil(admission.retryAfterMs / 1_000)))
  }

  #admitLocally(keyName: string, limit: RateLimit): void {
    const buckets = this.#bucketsFor(keyName, limit)
    const now = this.#now()
    if (buckets.tokens !== undefined && buckets.tokens.level(now) <= 0) {
      throw refusal(keyName, 'tokens', buckets.tokens.secondsUntil(1, now))
    }
    if (buckets.requests !== undefined) {
      if (buckets.requests.level(now) < 1) throw refusal(keyName, 'requests', buckets.requests.secondsUntil(1, now))
      buckets.requests.take(1, now)
    }
  }

  #bucketsFor(keyName: string, limit: RateLimit): KeyBuckets {
    const existing = this.#buckets.get(keyName)
    if (existing !== undefined && existing.limit.requestsPerMinute === limit.requestsPerMinute && existing.limit.tokensPerMinute === limit.tokensPerMinute) {
      return existing
    }
    const now = this.#now()
    const buckets: KeyBuckets = { limit }
    if (limit.requestsPerMinute !== undefined) buckets.requests = new Bucket(limit.requestsPerMinute, now)
    if (limit.tokensPerMinute !== undefined) buckets.tokens = new Bucket(limit.tokensPerMinute, now)
    this.#buckets.set(keyName, buckets)
    return buckets
  }
}

function refusal(keyName: string, what: 'requests' | 'tokens', retryAfterSeconds: number): GatewayError {
  return new GatewayError({
    status: 429,
    code: 'rate_limited',
    message: `key "${keyName}" is over its ${what} per minute; retry in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  })
}
