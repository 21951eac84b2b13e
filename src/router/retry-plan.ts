import { retryDelay } from './retry-delay.js'

export interface RetryPlanOptions {
  /** Which retry this would be: 1 for the first retry. */
  attempt: number
  baseDelayMs: number
  maxDelayMs: number
  /** Longest Retry-After worth waiting for on the same target. */
  maxRetryAfterMs: number
  retryAfterMs?: number
  /** Time left of the request's total timeout; a wait that would use it all is pointless. */
  remainingMs?: number
  random: () => number
}

export type RetryPlan =
  | { action: 'wait'; delayMs: number }
  | { action: 'move-on'; reason: 'retry-after-too-long'; retryAfterMs: number }
  | { action: 'move-on'; reason: 'deadline'; delayMs: number; remainingMs: number }

/**
 * Decides between sleeping before retrying the same target and moving on to the
 * next one. A provider that asks for a wait longer than maxRetryAfterMs (a rate
 * limit that resets in minutes) is better skipped than waited for; so is any wait
 * that would outlast the request's remaining time.
 */
export function planRetry(options: RetryPlanOptions): RetryPlan {
  const { retryAfterMs, maxRetryAfterMs, remainingMs } = options
  if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
    return { action: 'move-on', reason: 'retry-after-too-long', retryAfterMs }
  }
  const delayMs = retryDelay(options)
  if (remainingMs !== undefined && delayMs >= remainingMs) {
    return { action: 'move-on', reason: 'deadline', delayMs, remainingMs }
  }
  return { action: 'wait', delayMs }
}
