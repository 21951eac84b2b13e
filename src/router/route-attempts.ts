import { isProviderError, ProviderError } from '../providers/provider-error.js'
import type { Provider, ProviderRequest } from '../providers/provider.js'
import { startModelCallSpan, type BudgetDecisionRecord, type ModelCallSpan } from '../telemetry/model-call-span.js'
import type { CallScope } from '../telemetry/workflow-context.js'
import type { AttemptRecord } from './chat-request.js'
import { attemptSignal, type AttemptSignal } from './attempt-signal.js'
import { countsAsBreakerFailure } from './counts-as-breaker-failure.js'
import { planRetry } from './retry-plan.js'
import type { RetryBudget } from './retry-budget.js'
import type { RouteConfig, RouteTarget } from './router-config.js'
import { AllTargetsFailedError, RequestAbortedError } from './router-errors.js'
import type { SkippedTarget } from './select-targets.js'
import type { TargetHealth } from './target-health.js'

/** One call to one target, as handed to the code that performs it. */
export interface AttemptCall {
  target: RouteTarget
  provider: Provider
  request: ProviderRequest
  span: ModelCallSpan
  attempt: number
  hedge: boolean
  startedAt: number
  /** Aborts on the caller's signal, the total deadline, the attempt timeout, or a lost hedge race. */
  signal: AbortSignal
  /** The signal's controller: why it aborted, cancelling, and clearing its timer. */
  control: AttemptSignal
}

export interface RouteAttemptsOptions<T> {
  routeName: string
  route: RouteConfig
  ordered: RouteTarget[]
  skipped: SkippedTarget[]
  providers: ReadonlyMap<string, Provider>
  health: TargetHealth
  retryBudget: RetryBudget
  scope: CallScope
  baseRequest: Omit<ProviderRequest, 'model' | 'signal'>
  stream: boolean
  callerSignal: AbortSignal | undefined
  deadlineAt: number
  budget: BudgetDecisionRecord | undefined
  captureContent: boolean
  now: () => number
  random: () => number
  sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** Told of each call as it starts (the budget ledger attaches its span). */
  onAttemptStarted?: (call: AttemptCall) => void
  /** Perform the call; throw on failure. On success the caller completes the attempt (span, breaker, latency). */
  perform: (call: AttemptCall) => Promise<T>
  /** Record a failed attempt's cost from what it used (input counted, output seen), if anything. */
  failedCost: (call: AttemptCall, error: unknown) => { costUsd: string; source: 'estimate' | 'catalog' | 'unknown' | 'provider' } | undefined
}

export interface RouteAttemptsResult<T> {
  value: T
  call: AttemptCall
  attempts: AttemptRecord[]
}

/**
 * The retry and fallback loop of one routed request: targets in the selected
 * order, each called up to `retry.attempts` times with full-jitter backoff, honouring
 * Retry-After (or moving on when it is too long), skipping open breakers, bounded by
 * the route's retry budget and total deadline. Every call gets its own span; failures
 * are ended here, a success is returned for the caller to complete.
 */
export async function routeAttempts<T>(options: RouteAttemptsOptions<T>): Promise<RouteAttemptsResult<T>> {
  const { route, health, retryBudget, now } = options
  const attempts: AttemptRecord[] = []
  const errors: unknown[] = []
  const skipped = [...options.skipped]
  let attemptNumber = 0
  let budgetRefused = false
  options.retryBudget.recordRequest()

  const aborted = (): RequestAbortedError | undefined => {
    if (options.callerSignal?.aborted === true) return new RequestAbortedError({ deadline: false, route: options.routeName, attempts, totalMs: route.timeouts.totalMs })
    if (now() >= options.deadlineAt) return new RequestAbortedError({ deadline: true, route: options.routeName, attempts, totalMs: route.timeouts.totalMs })
    return undefined
  }

  const startCall = (target: RouteTarget, hedge: boolean): AttemptCall => {
    attemptNumber += 1
    const provider = options.providers.get(target.provider)
    if (provider === undefined) throw new Error(`provider "${target.provider}" is not configured`)
    const control = attemptSignal({ callerSignal: options.callerSignal, deadlineAt: options.deadlineAt, attemptMs: route.timeouts.attemptMs, now })
    const signal = control.signal
    const request: ProviderRequest = { ...options.baseRequest, model: target.model, signal }
    const span = startModelCallSpan({
      scope: options.scope,
      providerName: provider.providerName,
      serverAddress: provider.serverAddress,
      serverPort: provider.serverPort,
      request,
      stream: options.stream,
      route: options.routeName,
      attempt: attemptNumber,
      hedge,
      budget: options.budget,
      captureContent: options.captureContent,
    })
    const call: AttemptCall = { target, provider, request, span, attempt: attemptNumber, hedge, startedAt: now(), signal, control }
    options.onAttemptStarted?.(call)
    return call
  }

  /** End a failed call: span, breaker, latency, record. Returns the error to decide on. */
  const failCall = (call: AttemptCall, thrown: unknown, outcome: 'error' | 'cancelled' = 'error'): unknown => {
    call.control.dispose()
    const error = normalizeError(thrown, call)
    const durationMs = now() - call.startedAt
    const breaker = health.breaker(call.target, route.breaker)
    if (outcome === 'cancelled' || !countsAsBreakerFailure(error)) breaker.recordNeutral()
    else breaker.recordFailure()
    if (isProviderError(error) && error.code === 'timeout') health.latency(call.target).recordLatency(durationMs)
    const cost = options.failedCost(call, error)
    call.span.end({
      error,
      errorType: outcome === 'cancelled' ? 'cancelled' : (isProviderError(error) ? error.code : '_OTHER'),
      usage: isProviderError(error) ? error.partialUsage : undefined,
      cost,
    })
    attempts.push({
      attempt: call.attempt,
      provider: call.target.provider,
      model: call.target.model,
      outcome,
      durationMs,
      errorCode: isProviderError(error) ? error.code : (error instanceof Error ? error.name : 'error'),
      errorMessage: error instanceof Error ? error.message : String(error),
      costUsd: cost?.costUsd,
      hedge: call.hedge,
    })
    errors.push(error)
    return error
  }

  const mayCallAgain = (): boolean => {
    if (attemptNumber === 0) return true
    if (retryBudget.tryAcquireRetry()) return true
    budgetRefused = true
    return false
  }

  let index = 0
  while (index < options.ordered.length) {
    const target = options.ordered[index]!
    let callsToTarget = 0
    let moveOn = false
    while (!moveOn && callsToTarget < route.retry.attempts) {
      const stop = aborted()
      if (stop !== undefined) throw stop
      const breaker = health.breaker(target, route.breaker)
      if (!breaker.allowRequest()) {
        skipped.push({ target, reason: 'breaker-open', detail: `breaker ${breaker.state}` })
        break
      }
      if (!mayCallAgain()) {
        breaker.recordNeutral()
        throw new AllTargetsFailedError({ route: options.routeName, attempts, errors, skipped, reason: 'retry budget exhausted' })
      }
      callsToTarget += 1

      const hedgeTarget = attemptNumber === 0 && !options.stream && route.hedge.enabled ? options.ordered[index + 1] : undefined
      if (hedgeTarget !== undefined) {
        const raced = await raceWithHedge({ options, target, hedgeTarget, startCall, failCall, health })
        if (raced.winner !== undefined) return { value: raced.winner.value, call: raced.winner.call, attempts }
        index += 1 // both targets were tried
        moveOn = true
        continue
      }

      const call = startCall(target, false)
      try {
        const value = await options.perform(call)
        return { value, call, attempts }
      } catch (thrown) {
        const error = failCall(call, thrown)
        const stop = aborted()
        if (stop !== undefined) throw stop
        if (!isProviderError(error) || !error.retryable || callsToTarget >= route.retry.attempts) {
          moveOn = true
          continue
        }
        const plan = planRetry({
          attempt: callsToTarget,
          baseDelayMs: route.retry.baseDelayMs,
          maxDelayMs: route.retry.maxDelayMs,
          maxRetryAfterMs: route.retry.maxRetryAfterMs,
          retryAfterMs: error.retryAfterMs,
          remainingMs: options.deadlineAt - now(),
          random: options.random,
        })
        if (plan.action === 'move-on') {
          moveOn = true
          continue
        }
        await options.sleep(Math.min(plan.delayMs, Math.max(0, options.deadlineAt - now())), options.callerSignal ?? neverAborted)
      }
    }
    index += 1
  }
  const stop = aborted()
  if (stop !== undefined) throw stop
  throw new AllTargetsFailedError({ route: options.routeName, attempts, errors, skipped, reason: budgetRefused ? 'retry budget exhausted' : undefined })
}

interface RaceOptions<T> {
  options: RouteAttemptsOptions<T>
  target: RouteTarget
  hedgeTarget: RouteTarget
  startCall: (target: RouteTarget, hedge: boolean) => AttemptCall
  failCall: (call: AttemptCall, thrown: unknown, outcome?: 'error' | 'cancelled') => unknown
  health: TargetHealth
}

/**
 * Hedging: the first call goes out; if it has not answered after the hedge delay
 * (configured, else the target's recent p95 latency), a second call goes to the next
 * target. The first success wins and the other is cancelled; both have spans, and
 * the cancelled one is billed for what it used.
 */
async function raceWithHedge<T>(race: RaceOptions<T>): Promise<{ winner?: { value: T; call: AttemptCall } }> {
  const { options, target, hedgeTarget, startCall, failCall, health } = race
  const delayMs = options.route.hedge.delayMs ?? health.latency(target).snapshot().latency?.p95Ms ?? 1_000
  const primary = startCall(target, false)
  let hedge: AttemptCall | undefined

  return new Promise((resolve) => {
    let pending = 1
    let done = false
    const finish = (): void => {
      if (done || pending > 0) return
      done = true
      resolve({})
    }
    const run = (call: AttemptCall, other: () => AttemptCall | undefined): void => {
      options.perform(call).then(
        (value) => {
          pending -= 1
          if (done) {
            // Lost the race after all but answered: it is billed and spanned by the caller normally;
            // here it can only be recorded as cancelled.
            failCall(call, new Error('hedge lost'), 'cancelled')
            return
          }
          done = true
          other()?.control.cancel()
          resolve({ winner: { value, call } })
        },
        (error: unknown) => {
          pending -= 1
          const lostRace = done
          failCall(call, error, lostRace ? 'cancelled' : 'error')
          finish()
        },
      )
    }
    run(primary, () => hedge)
    const timer = setTimeout(() => {
      if (done || options.now() >= options.deadlineAt) return
      if (!options.retryBudget.tryAcquireRetry()) return
      const breaker = health.breaker(hedgeTarget, options.route.breaker)
      if (!breaker.allowRequest()) return
      hedge = startCall(hedgeTarget, true)
      pending += 1
      run(hedge, () => primary)
    }, delayMs)
    timer.unref()
    primary.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  })
}

const neverAborted = new AbortController().signal

function normalizeError(thrown: unknown, call: AttemptCall): unknown {
  if (isProviderError(thrown) && thrown.code === 'aborted' && call.signal.aborted) {
    if (call.control.cause === 'attempt-timeout' || call.control.cause === 'deadline') {
      return new ProviderError({
        code: 'timeout',
        message: `no complete answer within the attempt timeout`,
        provider: call.target.provider,
        model: call.target.model,
        partial: thrown.partialText === undefined ? undefined : { text: thrown.partialText, usage: thrown.partialUsage },
        cause: thrown,
      })
    }
  }
  return thrown
}
