export interface RetryDelayOptions {
  /** Which retry this is: 1 for the first retry (the second call), 2 for the next, ... */
  attempt: number
  baseDelayMs: number
  maxDelayMs: number
  /** What the provider asked for (Retry-After); never retry sooner than this. */
  retryAfterMs?: number
  /** Uniform in [0, 1), like Math.random; injected so tests are deterministic. */
  random: () => number
}

/**
 * How long to wait before a retry: exponential backoff with full jitter, a delay
 * drawn uniformly from [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))]. Full
 * jitter spreads the clients that failed together across the whole interval, so
 * they do not come back in lockstep. A Retry-After from the provider is a floor:
 * the provider knows when it will accept us again, and retrying earlier only
 * earns another 429. Whether a Retry-After is too long to wait for is planRetry's call.
 */
export function retryDelay(options: RetryDelayOptions): number {
  const { attempt, baseDelayMs, maxDelayMs, retryAfterMs } = options
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retry attempt must be an integer from 1 (the first retry), got ${attempt}`)
  }
  // 2^52 already exceeds any allowed delay; capping the exponent keeps 0 × Infinity out.
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 52))
  const draw = Math.min(Math.max(options.random(), 0), 1)
  const jittered = Math.floor(draw * ceiling)
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterMs))
}
