import { isProviderError, ProviderError } from '../providers/provider-error.js'
import type { Provider, ProviderRequest } from '../providers/provider.js'
import type { CallCost } from '../telemetry/call-cost.js'
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

/** A priced attempt: the span's cost and the same cost in pico-USD, for the budget reservation. */
export interface AttemptCost extends CallCost {
  costUnits: bigint
}

/** What a routed request's attempts cost so far, in pico-USD: failed attempts add theirs as they end. */
export interface AttemptSpend {
  units: bigint
}

export interface RouteAttemptsOptions {
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
  /** Record a failed attempt's cost from what it used (input counted, output seen), if anything. */
  failedCost: (call: AttemptCall, error: unknown) => AttemptCost | undefined
  /** Where failed attempts add their cost; the caller adds the successful one. */
  spend: AttemptSpend
}

/** Perform the call; throw on failure. On success the caller completes the attempt (span, breaker, latency). */
export type PerformAttempt<T> = (call: AttemptCall) => Promise<T>

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
export async function routeAttempts<T>(options: RouteAttemptsOptions, perform: PerformAttempt<T>): Promise<RouteAttemptsResult<T>> {
  const { route, health, now } = options
  const run = new AttemptRun(options)
  options.retryBudget.recordRequest()

  let index = 0
  while (index < options.ordered.length) {
    const target = options.ordered[index]!
    let callsToTarget = 0
    let moveOn = false
    while (!moveOn && callsToTarget < route.retry.attempts) {
      const stop = run.aborted()
      if (stop !== undefined) throw stop
      const breaker = health.breaker(target, route.breaker)
      if (!breaker.allowRequest()) {
        run.skipped.push({ target, reason: 'breaker-open', detail: `breaker ${breaker.state}` })
        break
      }
      if (!run.mayCallAgain()) {
        breaker.recordNeutral()
        throw run.allFailed('retry budget exhausted')
      }
      callsToTarget += 1

      const hedgeTarget = run.attemptNumber === 0 && !options.stream && route.hedge.enabled ? options.ordered[index + 1] : undefined
      if (hedgeTarget !== undefined) {
        const raced = await raceWithHedge({ run, perform, target, hedgeTarget })
        if (raced.winner !== undefined) return { value: raced.winner.value, call: raced.winner.call, attempts: run.attempts }
        index += 1 // both targets were tried
        moveOn = true
        continue
      }

      const call = run.startCall(target, false)
      try {
        const value = await perform(call)
        return { value, call, attempts: run.attempts }
      } catch (thrown) {
        const error = run.failCall(call, thrown)
        const stop = run.aborted()
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
  const stop = run.aborted()
  if (stop !== undefined) throw stop
  throw run.allFailed(run.budgetRefused ? 'retry budget exhausted' : undefined)
}

/**
 * The state of one routed request's attempts: what was tried, what failed and why.
 * A class rather than closures in routeAttempts, because one is made for every request.
 */
class AttemptRun {
  readonly attempts: AttemptRecord[] = []
  readonly errors: unknown[] = []
  readonly skipped: SkippedTarget[]
  attemptNumber = 0
  budgetRefused = false
  readonly options: RouteAttemptsOptions

  constructor(options: RouteAttemptsOptions) {
    this.options = options
    this.skipped = [...options.skipped]
  }

  /** The request's own end (caller abort or total deadline), if it came. */
  aborted(): RequestAbortedError | undefined {
    const { options } = this
    if (options.callerSignal?.aborted === true) return new RequestAbortedError({ deadline: false, route: options.routeName, attempts: this.attempts, totalMs: options.route.timeouts.totalMs })
    if (options.now() >= options.deadlineAt) return new RequestAbortedError({ deadline: true, route: options.routeName, attempts: this.attempts, totalMs: options.route.timeouts.totalMs })
    return undefined
  }

  allFailed(reason: string | undefined): AllTargetsFailedError {
    return new AllTargetsFailedError({ route: this.options.routeName, attempts: this.attempts, errors: this.errors, skipped: this.skipped, reason })
  }

  mayCallAgain(): boolean {
    if (this.attemptNumber === 0) return true
    if (this.options.retryBudget.tryAcquireRetry()) return true
    this.budgetRefused = true
    return false
  }

  startCall(target: RouteTarget, hedge: boolean): AttemptCall {
    const { options } = this
    this.attemptNumber += 1
    const provider = options.providers.get(target.provider)
    if (provider === undefined) throw new Error(`provider "${target.provider}" is not configured`)
    const control = attemptSignal({ callerSignal: options.callerSignal, deadlineAt: options.deadlineAt, attemptMs: options.route.timeouts.attemptMs, now: options.now })
    const signal = control.signal
    const request = attemptRequest(options.baseRequest, target.model, signal)
    const span = startModelCallSpan({
      scope: options.scope,
      providerName: provider.providerName,
      serverAddress: provider.serverAddress,
      serverPort: provider.serverPort,
      request,
      stream: options.stream,
      route: options.routeName,
      attempt: this.attemptNumber,
      hedge,
      budget: options.budget,
      captureContent: options.captureContent,
    })
    const call: AttemptCall = { target, provider, request, span, attempt: this.attemptNumber, hedge, startedAt: options.now(), signal, control }
    options.onAttemptStarted?.(call)
    return call
  }

  /** End a failed call: span, breaker, latency, record, spend. Returns the error to decide on. */
  failCall(call: AttemptCall, thrown: unknown, outcome: 'error' | 'cancelled' = 'error'): unknown {
    const { options } = this
    call.control.dispose()
    const error = normalizeError(thrown, call)
    const durationMs = options.now() - call.startedAt
    const breaker = options.health.breaker(call.target, options.route.breaker)
    if (outcome === 'cancelled' || !countsAsBreakerFailure(error)) breaker.recordNeutral()
    else breaker.recordFailure()
    if (isProviderError(error) && error.code === 'timeout') options.health.latency(call.target).recordLatency(durationMs)
    const cost = options.failedCost(call, error)
    if (cost !== undefined) options.spend.units += cost.costUnits
    call.span.end({
      error,
      errorType: outcome === 'cancelled' ? 'cancelled' : (isProviderError(error) ? error.code : '_OTHER'),
      usage: isProviderError(error) ? error.partialUsage : undefined,
      cost,
    })
    this.attempts.push({
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
    this.errors.push(error)
    return error
  }
}

/**
 * The provider request of one attempt: the routed request with the target's model
 * and the attempt's signal. The spread comes last because on Node 20 a spread
 * followed by new properties (`{ ...base, model, signal }`) takes a slow path of
 * several µs; `base` never holds `model` or `signal` (providerRequestOf strips them).
 */
function attemptRequest(base: Omit<ProviderRequest, 'model' | 'signal'>, model: string, signal: AbortSignal): ProviderRequest {
  return { model, signal, ...base }
}

interface RaceOptions<T> {
  run: AttemptRun
  perform: PerformAttempt<T>
  target: RouteTarget
  hedgeTarget: RouteTarget
}

/**
 * Hedging: the first call goes out; if it has not answered after the hedge delay
 * (configured, else the target's recent p95 latency), a second call goes to the next
 * target. The first success wins and the other is cancelled; both have spans, and
 * the cancelled one is billed for what it used.
 */
async function raceWithHedge<T>(race: RaceOptions<T>): Promise<{ winner?: { value: T; call: AttemptCall } }> {
  const { run, perform, target, hedgeTarget } = race
  const { options } = run
  const health = options.health
  const delayMs = options.route.hedge.delayMs ?? health.latency(target).snapshot().latency?.p95Ms ?? 1_000
  const primary = run.startCall(target, false)
  let hedge: AttemptCall | undefined

  return new Promise((resolve) => {
    let pending = 1
    let done = false
    const finish = (): void => {
      if (done || pending > 0) return
      done = true
      resolve({})
    }
    const watch = (call: AttemptCall, other: () => AttemptCall | undefined): void => {
      perform(call).then(
        (value) => {
          pending -= 1
          if (done) {
            // Lost the race after all but answered: it is billed and spanned by the caller normally;
            // here it can only be recorded as cancelled.
            run.failCall(call, new Error('hedge lost'), 'cancelled')
            return
          }
          done = true
          other()?.control.cancel()
          resolve({ winner: { value, call } })
        },
        (error: unknown) => {
          pending -= 1
          const lostRace = done
          run.failCall(call, error, lostRace ? 'cancelled' : 'error')
          finish()
        },
      )
    }
    watch(primary, () => hedge)
    const timer = setTimeout(() => {
      if (done || options.now() >= options.deadlineAt) return
      if (!options.retryBudget.tryAcquireRetry()) return
      const breaker = health.breaker(hedgeTarget, options.route.breaker)
      if (!breaker.allowRequest()) return
      hedge = run.startCall(hedgeTarget, true)
      pending += 1
      watch(hedge, () => primary)
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
