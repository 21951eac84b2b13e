import { backoffDelay, type BackoffDelayOptions } from '../shared/backoff-delay.js'

export interface RetryDelayOptions extends BackoffDelayOptions {
  /** What the provider asked for (Retry-After); never retry sooner than this. */
  retryAfterMs?: number
}

/**
 * How long to wait before a retry: the shared full-jitter backoff (backoffDelay;
 * `attempt` 1 is the first retry, the second call). A Retry-After from the provider is a floor:
 * the provider knows when it will accept us again, and retrying earlier only
 * earns another 429. Whether a Retry-After is too long to wait for is planRetry's call.
 */
export function retryDelay(options: RetryDelayOptions): number {
  const jittered = backoffDelay(options)
  const { retryAfterMs } = options
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterMs))
}
