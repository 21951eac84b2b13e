export interface BackoffDelayOptions {
  /** Which retry this is: 1 for the first retry, 2 for the next, ... */
  attempt: number
  baseDelayMs: number
  maxDelayMs: number
  /** Uniform in [0, 1), like Math.random; injected so tests are deterministic. */
  random: () => number
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))], in whole milliseconds. Full
 * jitter, rather than "half the ceiling plus jitter", spreads the clients that failed
 * together across the whole interval, so they do not come back in lockstep; the
 * router's retries and the collector's flusher both wait with it.
 */
export function backoffDelay(options: BackoffDelayOptions): number {
  const { attempt, baseDelayMs, maxDelayMs } = options
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`backoff attempt must be an integer from 1 (the first retry), got ${attempt}`)
  }
  // 2^52 already exceeds any allowed delay; capping the exponent keeps 0 × Infinity out.
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 52))
  // A random source that strays outside [0, 1) must not make a negative or over-long wait.
  const raw = options.random()
  const draw = Number.isNaN(raw) ? 0 : Math.min(Math.max(raw, 0), 1)
  return Math.floor(draw * ceiling)
}
