import { isProviderError } from '../providers/provider-error.js'
import type { ProviderRequest } from '../providers/provider.js'
import type { AttemptCall } from './attempt-call.js'
import { planRetry } from './retry-plan.js'
import type { RouteTarget } from './router-config.js'
import type { RoutedCall } from './routed-call.js'
import type { AttemptRequestBase } from './routed-operation.js'

/**
 * Perform the call; throw on failure. On success the routed call finishes the
 * attempt (span, breaker, latency). A module-level function, not a closure: it
 * reads what it needs of the request from `routed`.
 */
export type PerformAttempt<T, Request extends AttemptRequestBase = ProviderRequest> = (call: AttemptCall<Request>, routed: RoutedCall<Request>) => Promise<T>

export interface RouteAttemptsResult<T, Request extends AttemptRequestBase = ProviderRequest> {
  value: T
  call: AttemptCall<Request>
}

/**
 * The retry and fallback loop of one routed request: targets in the selected
 * order, each called up to `retry.attempts` times with full-jitter backoff, honouring
 * Retry-After (or moving on when it is too long), skipping open breakers, bounded by
 * the route's retry budget and total deadline. The routed call starts every attempt
 * and ends the failed ones; a success is returned for it to finish.
 */
export async function routeAttempts<T, Request extends AttemptRequestBase = ProviderRequest>(routed: RoutedCall<Request>, perform: PerformAttempt<T, Request>): Promise<RouteAttemptsResult<T, Request>> {
  const { route, ordered } = routed
  const { health } = routed.parts
  // Shared budgets: Redis checks the call against every process before any provider is called.
  const admission = routed.reservation?.admission
  if (admission !== undefined) await admission
  routed.retryBudget.recordRequest()
  let index = 0
  while (index < ordered.length) {
    const target = ordered[index]!
    let callsToTarget = 0
    let moveOn = false
    while (!moveOn && callsToTarget < route.retry.attempts) {
      const stop = routed.aborted()
      if (stop !== undefined) throw stop
      const breaker = health.breaker(target, route.breaker)
      if (!breaker.allowRequest()) {
        routed.skipped.push({ target, reason: 'breaker-open', detail: `breaker ${breaker.state}` })
        break
      }
      if (!routed.mayCallAgain()) {
        breaker.recordNeutral()
        throw routed.allFailed('retry budget exhausted')
      }
      callsToTarget += 1

      const hedgeTarget = routed.attemptNumber === 0 && !routed.stream && route.hedge.enabled ? ordered[index + 1] : undefined
      if (hedgeTarget !== undefined) {
        const winner = await raceWithHedge(routed, perform, target, hedgeTarget)
        if (winner !== undefined) return winner
        index += 1 // both targets were tried
        break
      }

      const call = routed.startAttempt(target, false)
      try {
        const value = await perform(call, routed)
        return { value, call }
      } catch (thrown) {
        const error = routed.failAttempt(call, thrown)
        const stop = routed.aborted()
        if (stop !== undefined) throw stop
        const delayMs = callsToTarget < route.retry.attempts ? retryDelayMs(routed, error, callsToTarget) : undefined
        if (delayMs === undefined) moveOn = true
        else await routed.parts.sleep(delayMs, routed.callerSignal ?? neverAborted)
      }
    }
    index += 1
  }
  const stop = routed.aborted()
  if (stop !== undefined) throw stop
  throw routed.allFailed(routed.budgetRefused ? 'retry budget exhausted' : undefined)
}

/** How long to wait before calling the same target again after `error`, or undefined to move on. */
function retryDelayMs(routed: RoutedCall<AttemptRequestBase>, error: unknown, callsToTarget: number): number | undefined {
  if (!isProviderError(error) || !error.retryable) return undefined
  const { retry } = routed.route
  const now = routed.parts.now
  const plan = planRetry({
    attempt: callsToTarget,
    baseDelayMs: retry.baseDelayMs,
    maxDelayMs: retry.maxDelayMs,
    maxRetryAfterMs: retry.maxRetryAfterMs,
    retryAfterMs: error.retryAfterMs,
    remainingMs: routed.deadlineAt - now(),
    random: routed.parts.random,
  })
  if (plan.action === 'move-on') return undefined
  return Math.min(plan.delayMs, Math.max(0, routed.deadlineAt - now()))
}

/**
 * Hedging: the first call goes out; if it has not answered after the hedge delay
 * (configured, else the target's recent p95 latency), a second call goes to the next
 * target. The first success wins and the other is cancelled; both have spans, and
 * the cancelled one is billed for what it used.
 */
async function raceWithHedge<T, Request extends AttemptRequestBase>(routed: RoutedCall<Request>, perform: PerformAttempt<T, Request>, target: RouteTarget, hedgeTarget: RouteTarget): Promise<RouteAttemptsResult<T, Request> | undefined> {
  const { route } = routed
  const { health, now } = routed.parts
  const delayMs = route.hedge.delayMs ?? health.latency(target).snapshot().latency?.p95Ms ?? 1_000
  const primary = routed.startAttempt(target, false)
  let hedge: AttemptCall<Request> | undefined

  return new Promise((resolve) => {
    let pending = 1
    let done = false
    const finish = (): void => {
      if (done || pending > 0) return
      done = true
      resolve(undefined)
    }
    const watch = (call: AttemptCall<Request>, other: () => AttemptCall<Request> | undefined): void => {
      perform(call, routed).then(
        (value) => {
          pending -= 1
          if (done) {
            // Lost the race after all but answered: it can only be recorded as cancelled.
            routed.failAttempt(call, new Error('hedge lost'), 'cancelled')
            return
          }
          done = true
          other()?.control.cancel()
          resolve({ value, call })
        },
        (error: unknown) => {
          pending -= 1
          const lostRace = done
          routed.failAttempt(call, error, lostRace ? 'cancelled' : 'error')
          finish()
        },
      )
    }
    watch(primary, () => hedge)
    const timer = setTimeout(() => {
      if (done || now() >= routed.deadlineAt) return
      if (!routed.retryBudget.tryAcquireRetry()) return
      const breaker = health.breaker(hedgeTarget, route.breaker)
      if (!breaker.allowRequest()) return
      hedge = routed.startAttempt(hedgeTarget, true)
      pending += 1
      watch(hedge, () => primary)
    }, delayMs)
    timer.unref()
    primary.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  })
}

const neverAborted = new AbortController().signal
