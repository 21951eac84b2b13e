import { GatewayError } from './gateway-error.js'

export interface RateLimit {
  requestsPerMinute?: number
  tokensPerMinute?: number
}

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

/**
 * Per-key requests and tokens per minute, as token buckets. Per process: each gateway
 * process counts its own traffic, so N processes behind a balancer allow up to N times
 * the limit (a shared limiter needs `shared`, which this does not use). A request is
 * refused while either bucket is empty; tokens are debited once the call reports usage,
 * so one large call may take a bucket below zero, and the next waits for it to refill.
 * Buckets are kept per configured key name: bounded by the config's key list.
 */
export class KeyRateLimiter {
  readonly #buckets = new Map<string, KeyBuckets>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Take one request from the key's bucket, or throw a 429 `rate_limited` with Retry-After. */
  admit(keyName: string, limit: RateLimit | undefined): void {
    if (limit === undefined || (limit.requestsPerMinute === undefined && limit.tokensPerMinute === undefined)) return
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

  /** Debit the tokens a finished call used. */
  spend(keyName: string, tokens: number): void {
    const buckets = this.#buckets.get(keyName)
    if (buckets?.tokens !== undefined && tokens > 0) buckets.tokens.take(tokens, this.#now())
  }

  /** Forget keys no longer configured (after a reload), so the map stays bounded by the config. */
  retain(keyNames: ReadonlySet<string>): void {
    for (const name of [...this.#buckets.keys()]) if (!keyNames.has(name)) this.#buckets.delete(name)
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
