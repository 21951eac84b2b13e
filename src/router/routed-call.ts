import type { Span } from '@opentelemetry/api'
import type { AbortWatch } from '../shared/abort-watch.js'
import type { Reservation } from '../budget/reservation.js'
import type { EmbeddingCallResult } from '../model-call/embedding.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Usage } from '../model-call/usage.js'
import { isProviderError, ProviderError } from '../providers/provider-error.js'
import type { EmbeddingProviderRequest, ProviderRequest } from '../providers/provider.js'
import { switchyardAttributes } from '../telemetry/attribute-names.js'
import { messageContentCaptureDefault } from '../telemetry/message-content-capture.js'
import { exportedSpanId, startModelCallSpan, type BudgetDecisionRecord } from '../telemetry/model-call-span.js'
import { scopeWithParent, scopeWithTags, type CallScope } from '../telemetry/workflow-context.js'
import type { AttemptCall, AttemptCost } from './attempt-call.js'
import { attemptSignal } from './attempt-signal.js'
import { budgetScopeOf } from './budget-scope-of.js'
import type { AttemptRecord, ChatResult } from './chat-request.js'
import { countsAsBreakerFailure } from './counts-as-breaker-failure.js'
import type { EmbeddingResult } from './embedding-request.js'
import type { RetryBudget } from './retry-budget.js'
import { endRouteSpan, recordBudgetEvent, startRouteSpan } from './route-span.js'
import type { RouteConfig, RouteTarget } from './router-config.js'
import type { AttemptRequestBase, RoutedBase, RoutedOperation, RoutingFields } from './routed-operation.js'
import { AllTargetsFailedError, isAllTargetsFailedError, RequestAbortedError } from './router-errors.js'
import type { RouterParts } from './router-parts.js'
import type { SkippedTarget } from './select-targets.js'
import { toChatResult } from './to-chat-result.js'

/** How an attempt that did not win ended: a failure, or cancelled (a lost hedge, a caller who stopped reading). */
export type FailedOutcome = 'error' | 'cancelled'

/** What a routed call is made from: the router's parts, what is routed, the request and the caller's scope. */
export interface RoutedCallOptions<Request extends AttemptRequestBase> {
  parts: RouterParts
  operation: RoutedOperation<Request>
  request: RoutedBase<Request> & RoutingFields
  stream: boolean
  /** The workflow, step and tags of the caller, taken when the request was made. */
  scope: CallScope
}

/**
 * The life of one routed request, chat, stream or embeddings, in one place: prepared (route,
 * budget reservation, route span, target order) when constructed, then each
 * attempt started and, if it fails, finished here; the request ends with
 * `finishSuccess` or `finishFailure`, which end the route span and settle the
 * reservation with what every attempt cost. The retry loop (routeAttempts) only
 * decides what to try next. One object per request holds all of its state, so a
 * request makes no closures. What differs between chat and embeddings is the
 * `operation`'s; a chat call is `RoutedCall<ProviderRequest>`, the default.
 */
export class RoutedCall<Request extends AttemptRequestBase = ProviderRequest> {
  readonly parts: RouterParts
  readonly operation: RoutedOperation<Request>
  readonly stream: boolean
  readonly callerSignal: AbortSignal | undefined
  readonly baseRequest: RoutedBase<Request>
  /** Input tokens estimated once per request: the budget, the context check, the cost order and a failed attempt's cost read it. */
  readonly promptTokens: number
  readonly routeSpan: Span | undefined
  readonly reservation: Reservation | undefined
  readonly ordered: RouteTarget[]
  readonly skipped: SkippedTarget[]
  readonly retryBudget: RetryBudget
  readonly deadlineAt: number
  readonly attempts: AttemptRecord[] = []
  readonly errors: unknown[] = []
  name: string
  route: RouteConfig
  attemptNumber = 0
  budgetRefused = false
  /** What failed attempts cost so far, in pico-USD: each attempt is billed. */
  spentUnits = 0n
  readonly #scope: CallScope
  readonly #budget: BudgetDecisionRecord | undefined
  readonly #captureContent: boolean

  /** Prepare a request: resolve its route, reserve its budget (which may block it or downgrade the route), order its targets. */
  constructor(options: RoutedCallOptions<Request>) {
    const { parts, operation, request, stream } = options
    const resolved = parts.routes.resolve(request)
    // One clock reading prices the refusal, the reservation and the cost order alike.
    const at = new Date(parts.now())
    parts.pricing.refuseUnpriced(resolved.name, resolved.route, at)
    const baseRequest = providerRequestOf(request)
    const mayLack = operation.refuseUnsupported(resolved.name, resolved.route, parts.providers, baseRequest)
    const scope: CallScope = request.tags === undefined ? options.scope : scopeWithTags(options.scope, request.tags)
    this.parts = parts
    this.operation = operation
    this.stream = stream
    this.callerSignal = request.signal
    this.name = resolved.name
    this.route = resolved.route
    this.routeSpan = startRouteSpan(this.name, scope)
    this.baseRequest = baseRequest
    const promptTokens = operation.promptTokens(baseRequest)
    const maxTokens = operation.maxTokens(baseRequest)
    this.promptTokens = promptTokens
    this.reservation = parts.ledger === undefined ? undefined : this.#reserve(scope, { promptTokens, maxTokens, at })
    this.#budget = this.reservation?.decision.summary
    this.#scope = this.routeSpan === undefined ? scope : scopeWithParent(scope, this.routeSpan)
    const selection = operation.withoutUnsupported(parts.selector.select(this.route, { maxTokens, promptTokens, at }, stream), parts.providers, baseRequest, mayLack)
    if (this.routeSpan !== undefined && selection.skipped.length > 0) {
      this.routeSpan.setAttribute(switchyardAttributes.skippedTargets, selection.skipped.map((skip) => `${skip.target.provider}/${skip.target.model}:${skip.reason}:${skip.detail}`))
    }
    this.ordered = selection.ordered
    // selectTargets makes fresh lists per request: the retry loop may add to this one without a copy.
    this.skipped = selection.skipped
    this.retryBudget = parts.routes.retryBudgetFor(this.name, this.route)
    this.deadlineAt = parts.now() + this.route.timeouts.totalMs
    // Embeddings inputs are never recorded: the conventions have no attribute for them.
    this.#captureContent = operation.name === 'chat' && (parts.config.captureMessageContent ?? messageContentCaptureDefault())
  }

  /** Reserve the route's worst case; a block is recorded on the route span and no provider is called. */
  #reserve(scope: CallScope, estimate: { promptTokens: number; maxTokens: number | undefined; at: Date }): Reservation {
    const { ledger, pricing, routes } = this.parts
    const { at } = estimate
    let reservation: Reservation
    try {
      reservation = ledger!.reserve({ scope: budgetScopeOf(scope), worstCaseUnits: pricing.worstCaseOfRoute({ route: this.route, scope, inputTokens: estimate.promptTokens, maxTokens: estimate.maxTokens, at }) })
    } catch (error) {
      recordBudgetEvent(this.routeSpan, error)
      endRouteSpan(this.routeSpan, error)
      throw error
    }
    const decision = reservation.decision
    recordBudgetEvent(this.routeSpan, decision)
    const downgrade = decision.downgradeTo === undefined ? undefined : routes.configured(decision.downgradeTo)
    if (downgrade !== undefined) {
      try {
        pricing.refuseUnpriced(decision.downgradeTo!, downgrade, at)
      } catch (error) {
        reservation.release()
        endRouteSpan(this.routeSpan, error)
        throw error
      }
      this.name = decision.downgradeTo!
      this.route = downgrade
      this.routeSpan?.setAttribute(switchyardAttributes.route, this.name)
      this.routeSpan?.updateName(`route ${this.name}`)
    }
    return reservation
  }

  /** The request's own end (caller abort or total deadline), if it came. */
  aborted(): RequestAbortedError | undefined {
    if (this.callerSignal?.aborted === true) return new RequestAbortedError({ deadline: false, route: this.name, attempts: this.attempts, totalMs: this.route.timeouts.totalMs })
    if (this.parts.now() >= this.deadlineAt) return new RequestAbortedError({ deadline: true, route: this.name, attempts: this.attempts, totalMs: this.route.timeouts.totalMs })
    return undefined
  }

  allFailed(reason: string | undefined): AllTargetsFailedError {
    return new AllTargetsFailedError({ route: this.name, attempts: this.attempts, errors: this.errors, skipped: this.skipped, reason })
  }

  /** The first call is free; every later one (retry, fallback, hedge) takes from the route's retry budget. */
  mayCallAgain(): boolean {
    if (this.attemptNumber === 0) return true
    if (this.retryBudget.tryAcquireRetry()) return true
    this.budgetRefused = true
    return false
  }

  /** Start one attempt: its signal, its request, its span, attached to the budget reservation. */
  startAttempt(target: RouteTarget, hedge: boolean): AttemptCall<Request> {
    const { parts } = this
    this.attemptNumber += 1
    const provider = parts.providers.get(target.provider)
    if (provider === undefined) throw new Error(`provider "${target.provider}" is not configured`)
    const control = attemptSignal({ callerSignal: this.callerSignal, deadlineAt: this.deadlineAt, attemptMs: this.route.timeouts.attemptMs, now: parts.now })
    const signal = control.signal
    const request = attemptRequest<Request>(this.baseRequest, target.model, signal)
    const { operation } = this
    const span = startModelCallSpan({
      operation: operation.name,
      dimensions: operation.dimensions(request),
      scope: this.#scope,
      providerName: provider.providerName,
      serverAddress: provider.serverAddress,
      serverPort: provider.serverPort,
      request: operation.spanRequest(request),
      stream: this.stream,
      route: this.name,
      attempt: this.attemptNumber,
      hedge,
      budget: this.#budget,
      captureContent: this.#captureContent,
    })
    const call: AttemptCall<Request> = { target, provider, request, span, attempt: this.attemptNumber, hedge, startedAt: parts.now(), signal, control }
    if (this.reservation !== undefined) {
      const spanId = exportedSpanId(span.span)
      if (spanId !== undefined) this.reservation.attachSpan(spanId)
    }
    return call
  }

  /** End a failed attempt before anything reached the caller: span, breaker, latency, record, spend. Returns the error to decide on. */
  failAttempt(call: AttemptCall<Request>, thrown: unknown, outcome: FailedOutcome = 'error'): unknown {
    const { health, now, pricing } = this.parts
    call.control.dispose()
    const error = normalizeError(thrown, call)
    const durationMs = now() - call.startedAt
    if (isProviderError(error) && error.code === 'timeout') health.latency(call.target).recordLatency(durationMs)
    const cost = pricing.failedCost(call, error, this.promptTokens)
    this.#endFailedAttempt(call, error, outcome, { usage: isProviderError(error) ? error.partialUsage : undefined, cost, ttftMs: undefined })
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

  /**
   * End a stream that failed or was cancelled after its first chunk reached the
   * caller: it is never re-sent, so this ends the whole request, billed for the
   * tokens seen (`usage`, estimated).
   */
  failStreamed(call: AttemptCall, error: unknown, outcome: FailedOutcome, usage: Usage, ttftMs: number): void {
    call.control.dispose()
    const cost = this.parts.pricing.priceAttempt(call, call.target.model, usage, true)
    this.#endFailedAttempt(call, error, outcome, { usage, cost, ttftMs })
    this.attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome, durationMs: this.parts.now() - call.startedAt, errorCode: isProviderError(error) ? error.code : undefined, costUsd: cost.costUsd })
    endRouteSpan(this.routeSpan, outcome === 'cancelled' ? undefined : error)
    this.#settle()
  }

  /** Span, breaker and spend of an attempt that did not win. */
  #endFailedAttempt(call: AttemptCall<unknown>, error: unknown, outcome: FailedOutcome, end: { usage: Usage | undefined; cost: AttemptCost | undefined; ttftMs: number | undefined }): void {
    const breaker = this.parts.health.breaker(call.target, this.route.breaker)
    if (outcome === 'cancelled' || !countsAsBreakerFailure(error)) breaker.recordNeutral()
    else breaker.recordFailure()
    if (end.cost !== undefined) this.spentUnits += end.cost.costUnits
    call.span.end({ error, errorType: outcome === 'cancelled' ? 'cancelled' : (isProviderError(error) ? error.code : '_OTHER'), usage: end.usage, cost: end.cost, ttftMs: end.ttftMs })
  }

  /**
   * End the request with the attempt that answered: its span, breaker and latency,
   * the route span, and the reservation settled with every attempt's cost. A stream
   * stopped at a budget limit (`stoppedAtLimit`) is priced from estimated usage and
   * says nothing of the target's health.
   */
  finishSuccess(call: AttemptCall, result: ModelCallResult, ttftMs: number | undefined, stoppedAtLimit = false): ChatResult {
    const cost = this.parts.pricing.priceAttempt(call, result.model || call.target.model, result.usage, stoppedAtLimit, result.serviceTier)
    this.#finishWinner(call, { result, cost, ttftMs }, stoppedAtLimit)
    return toChatResult({ result, cost, call, attempts: this.attempts, route: this.name })
  }

  /**
   * End an embeddings request with the attempt that answered, as finishSuccess
   * does. Priced on input tokens alone; where the provider reported none (Gemini)
   * they are the request's estimate and the cost's source is `estimate`.
   */
  finishEmbedding(call: AttemptCall<EmbeddingProviderRequest>, result: EmbeddingCallResult): EmbeddingResult {
    const inputTokens = result.usageReported ? result.inputTokens : this.promptTokens
    const usage: Usage = { inputTokens, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 }
    const model = result.responseModel || call.target.model
    const cost = this.parts.pricing.priceAttempt(call, model, usage, !result.usageReported)
    this.#finishWinner(call, { responseModel: model, usage, cost, ttftMs: undefined }, false)
    return {
      embeddings: result.embeddings,
      usage: { inputTokens },
      costUsd: cost.costUsd,
      costSource: cost.source,
      provider: call.target.provider,
      model,
      route: this.name,
      attempts: this.attempts,
    }
  }

  /** The winning attempt's span, breaker, latency and record, the route span, and the settled reservation. */
  #finishWinner(call: AttemptCall<unknown>, end: { result?: ModelCallResult; responseModel?: string; usage?: Usage; cost: AttemptCost; ttftMs: number | undefined }, stoppedAtLimit: boolean): void {
    const { health, now } = this.parts
    const durationMs = now() - call.startedAt
    call.control.dispose()
    const breaker = health.breaker(call.target, this.route.breaker)
    if (stoppedAtLimit) {
      breaker.recordNeutral()
    } else {
      breaker.recordSuccess()
      health.latency(call.target).recordLatency(durationMs)
    }
    const { cost } = end
    call.span.end(end)
    this.attempts.push(this.stream
      ? { attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs, costUsd: cost.costUsd }
      : { attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs, costUsd: cost.costUsd, hedge: call.hedge })
    endRouteSpan(this.routeSpan)
    this.spentUnits += cost.costUnits
    this.#settle()
  }

  /** End a request that got no answer: its failed attempts are billed; a request that never called anyone releases its reservation. */
  finishFailure(error: unknown): void {
    endRouteSpan(this.routeSpan, error)
    if (!isAllTargetsFailedError(error) && !(error instanceof RequestAbortedError)) this.spentUnits = 0n
    this.#settle()
  }

  /** End the reservation with what the attempts cost in all, in pico-USD. */
  #settle(): void {
    const reservation = this.reservation
    if (reservation === undefined) return
    if (this.spentUnits === 0n) reservation.release()
    else reservation.settle(this.spentUnits)
  }
}

/** The router's request as the adapters take it: without the routing fields. */
function providerRequestOf<Base>(request: Base & RoutingFields): Base {
  const { route: _route, model: _model, signal: _signal, tags: _tags, ...rest } = request
  return rest as Base
}

/**
 * The provider request of one attempt: the routed request with the target's model
 * and the attempt's signal. The spread comes last because on Node 20 a spread
 * followed by new properties (`{ ...base, model, signal }`) takes a slow path of
 * several µs; `base` never holds `model` or `signal` (providerRequestOf strips them).
 */
function attemptRequest<Request extends AttemptRequestBase>(base: RoutedBase<Request>, model: string, signal: AbortWatch): Request {
  return { model, signal, ...base } as Request
}

function normalizeError(thrown: unknown, call: AttemptCall<unknown>): unknown {
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
