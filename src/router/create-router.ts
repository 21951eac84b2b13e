import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api'
import { readEnvironment } from '../config/environment.js'
import { createBudgetLedgerFor, hasSpendSource, isBudgetExceededError, type BudgetLedger, type BudgetLedgerSetup, type BudgetScope, type Reservation, type SpendSource } from '../budget/index.js'
import { createPriceTable, estimateCutStreamUsage, isPriceNotFoundError, priceCall, worstCaseCost, type PriceEntryInput, type PriceTable } from '../pricing/index.js'
import { createProvider } from '../providers/create-provider.js'
import type { ModelCallResult, Usage } from '../model-call/index.js'
import { isProviderError } from '../providers/provider-error.js'
import type { Provider, ProviderRequest } from '../providers/provider.js'
import { genAi, switchyardAttributes } from '../telemetry/attribute-names.js'
import { messageContentCaptureDefault } from '../telemetry/message-content-capture.js'
import { exportedSpanId } from '../telemetry/model-call-span.js'
import { tracer } from '../telemetry/tracer.js'
import { currentScope, parentContext, scopeWithParent, scopeWithTags, type CallScope } from '../telemetry/workflow-context.js'
import type { ChatRequest, ChatResult, ChatStream } from './chat-request.js'
import { estimatePromptTokens, fitsContextWindow } from './context-window.js'
import { parseRouterConfig } from './parse-router-config.js'
import { RetryBudget } from './retry-budget.js'
import { routeAttempts, type AttemptCall, type AttemptCost, type AttemptSpend } from './route-attempts.js'
import { routeConfigSchema, type RouteConfig, type RouteTarget, type RouterConfig, type RouterConfigInput } from './router-config.js'
import { isAllTargetsFailedError, RequestAbortedError, UnknownRouteError } from './router-errors.js'
import { RouterConfigError } from './router-config-error.js'
import { selectTargets, type BreakerView } from './select-targets.js'
import { openRoutedStream } from './routed-stream.js'
import { TargetHealth } from './target-health.js'
import { sleepUntilAborted } from '../shared/sleep-until-aborted.js'

/** The gate shape budgets offer to callers (instrumented clients use it; the router asks the ledger directly). */
export type { BudgetGate } from '../budget/index.js'

export interface RouterDependencies {
  now?: () => number
  random?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  priceTable?: PriceTable
  /** Where budgets read settled spend; default: config.spendEndpoint, else config.store. */
  spendSource?: SpendSource
  /** Replace the adapters built from config (tests). */
  providers?: ReadonlyMap<string, Provider>
}

export interface Router {
  /** One routed chat call; resolves with the answer of the target that succeeded. */
  chat(request: ChatRequest): Promise<ChatResult>
  /** A routed stream: retried or rerouted only until its first chunk reaches the caller. */
  stream(request: ChatRequest): ChatStream
  /** Breaker state per `provider/model`. */
  breakerStates(): Record<string, string>
  readonly config: RouterConfig
  readonly priceTable: PriceTable
  /** The budget ledger, when budgets are configured. */
  readonly budgets: BudgetLedger | undefined
  /** Resolves once budgets have read the store's spend (immediately without budgets). */
  ready(): Promise<void>
  close(): Promise<void>
}

const modelRouteCacheLimit = 256

/**
 * Build a router from a config object. The config is validated first: a bad field
 * fails here with its dotted path, and API keys missing from the config are taken
 * from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY).
 */
export function createRouter(input: RouterConfigInput, dependencies: RouterDependencies = {}): Router {
  const environment = readEnvironment()
  const config = parseRouterConfig(withEnvironmentKeys(input, environment.providerKeys))
  const now = dependencies.now ?? Date.now
  const random = dependencies.random ?? Math.random
  const sleep = dependencies.sleep ?? sleepUntilAborted
  const priceTable = dependencies.priceTable ?? createPriceTable({
    entries: config.prices?.entries as PriceEntryInput[] | undefined,
    overrides: config.prices?.overrides as PriceEntryInput[] | undefined,
    file: config.prices?.file,
    providerAliases: config.prices?.providerAliases,
  })
  const providers = dependencies.providers ?? new Map(Object.entries(config.providers).map(([name, providerConfig]) => [name, createProvider(name, providerConfig)]))
  const health = new TargetHealth(now)
  const retryBudgets = new Map<string, RetryBudget>()
  const modelRoutes = new Map<string, RouteConfig>()
  const budgetSetup = setUpBudgets({ config, dependencies, now })
  const ledger = budgetSetup?.ledger

  const resolveRoute = (request: ChatRequest): { name: string; route: RouteConfig } => {
    if (request.route !== undefined) {
      const route = config.routes[request.route]
      if (route === undefined) throw new UnknownRouteError(`unknown route "${request.route}" (configured routes: ${Object.keys(config.routes).join(', ') || 'none'})`)
      return { name: request.route, route }
    }
    if (request.model === undefined) throw new UnknownRouteError('a request needs `route` (a configured route) or `model` (as provider/model)')
    const cached = modelRoutes.get(request.model)
    if (cached !== undefined) return { name: request.model, route: cached }
    const slash = request.model.indexOf('/')
    const providerName = slash > 0 ? request.model.slice(0, slash) : undefined
    if (providerName === undefined || config.providers[providerName] === undefined) {
      throw new UnknownRouteError(`model "${request.model}" names no configured provider: write it as provider/model (providers: ${Object.keys(config.providers).join(', ')}) or use a route`)
    }
    const route = routeConfigSchema.parse({ targets: [{ provider: providerName, model: request.model.slice(slash + 1) }] })
    if (modelRoutes.size >= modelRouteCacheLimit) modelRoutes.delete(modelRoutes.keys().next().value!)
    modelRoutes.set(request.model, route)
    return { name: request.model, route }
  }

  const retryBudgetFor = (name: string, route: RouteConfig): RetryBudget => {
    let budget = retryBudgets.get(name)
    if (budget === undefined) {
      budget = new RetryBudget({ ratio: route.retry.budgetRatio, minimumPerSecond: route.retry.minimumRetriesPerSecond, windowMs: route.retry.budgetWindowMs, now })
      if (retryBudgets.size < modelRouteCacheLimit + Object.keys(config.routes).length) retryBudgets.set(name, budget)
    }
    return budget
  }

  const priceUsage = (call: AttemptCall, model: string, usage: Usage, estimated: boolean): AttemptCost => {
    const priced = priceCall({ table: priceTable, provider: call.provider.providerName, model, usage, at: new Date(now()), estimated })
    return { costUsd: priced.costUsd, source: priced.source, priceVersion: priced.priceVersion, costUnits: priced.costUnits }
  }

  const failedCost = (call: AttemptCall, error: unknown): AttemptCost | undefined => {
    if (!isProviderError(error)) return undefined
    const sawOutput = error.partialText !== undefined || error.partialUsage !== undefined
    if (!sawOutput && error.code !== 'aborted') return undefined
    const usage = estimateCutStreamUsage({
      partialUsage: error.partialUsage,
      outputText: error.partialText ?? '',
      inputTokens: estimatePromptTokens(call.request),
    })
    return priceUsage(call, call.target.model, usage, true)
  }

  /**
   * The reservation of a routed request: the dearest target's worst case, prompt
   * tokens estimated from the request plus `maxTokens` (else the output this
   * workflow, step and model produced before, else the model's maximum) at the
   * output price. A target without a price reserves nothing: it cannot be counted.
   */
  const worstCaseOfRoute = (route: RouteConfig, request: Omit<ProviderRequest, 'model' | 'signal'>, scope: CallScope, inputTokens: number, at: Date): bigint => {
    let worst = 0n
    for (const target of route.targets) {
      const provider = providers.get(target.provider)
      if (provider === undefined) continue
      const maxOutputTokens = request.maxTokens ?? ledger?.outputTokensFor({ scope: targetScope(scope, provider.providerName, target.model) }).tokens ?? 4_096
      try {
        const units = worstCaseCost({ table: priceTable, provider: provider.providerName, model: target.model, inputTokens, maxOutputTokens, at })
        if (units > worst) worst = units
      } catch (error) {
        if (!isPriceNotFoundError(error)) throw error
      }
    }
    return worst
  }

  // Target selection reads these for every request: made once per router (and per
  // route for breakers), not as closures per request.
  const latencyFor = (target: RouteTarget) => health.latency(target).snapshot()
  const fitsContext = (target: RouteTarget, candidate: SelectionRequest) => fitsContextWindow({ model: target.model, contextWindow: target.contextWindow, promptTokens: candidate.promptTokens, maxTokens: candidate.maxTokens })
  const estimateCost = (target: RouteTarget, candidate: SelectionRequest): bigint | undefined => {
    const provider = providers.get(target.provider)
    if (provider === undefined) return undefined
    const priced = priceCall({
      table: priceTable,
      provider: provider.providerName,
      model: target.model,
      usage: { inputTokens: candidate.promptTokens, outputTokens: candidate.maxTokens ?? 500, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
      at: candidate.at,
    })
    return priced.source === 'unknown' ? undefined : priced.costUnits
  }
  const breakerLookups = new WeakMap<RouteConfig, (target: RouteTarget) => BreakerView>()
  const breakerLookupFor = (route: RouteConfig): ((target: RouteTarget) => BreakerView) => {
    let lookup = breakerLookups.get(route)
    if (lookup === undefined) {
      lookup = (target) => health.breaker(target, route.breaker)
      breakerLookups.set(route, lookup)
    }
    return lookup
  }

  /** The shared front half of chat and stream: scope, budget, route span, target order. */
  const prepare = (request: ChatRequest, stream: boolean, outer: CallScope = currentScope()) => {
    const resolved = resolveRoute(request)
    const scope: CallScope = request.tags === undefined ? outer : scopeWithTags(outer, request.tags)
    let { name, route } = resolved
    const routeSpan = startRouteSpan(name, scope)
    const baseRequest = providerRequestOf(request)
    // Estimated once per request: the budget, the context check and the cost order all use it.
    const promptTokens = estimatePromptTokens(baseRequest)
    // One clock reading prices the reservation and the cost order alike.
    const at = new Date(now())
    let reservation: Reservation | undefined
    if (ledger !== undefined) {
      try {
        reservation = ledger.reserve({ scope: budgetScope(scope), worstCaseUnits: worstCaseOfRoute(route, baseRequest, scope, promptTokens, at) })
      } catch (error) {
        // A block: recorded on the route span, and no provider is called.
        recordBudgetEvent(routeSpan, error)
        endRouteSpan(routeSpan, error)
        throw error
      }
      const decision = reservation.decision
      recordBudgetEvent(routeSpan, decision)
      if (decision.downgradeTo !== undefined && config.routes[decision.downgradeTo] !== undefined) {
        name = decision.downgradeTo
        route = config.routes[decision.downgradeTo]!
        routeSpan?.setAttribute(switchyardAttributes.route, name)
        routeSpan?.updateName(`route ${name}`)
      }
    }
    const routeScope: CallScope = routeSpan === undefined ? scope : scopeWithParent(scope, routeSpan)
    const selection = selectTargets<SelectionRequest>({
      route,
      request: { maxTokens: baseRequest.maxTokens, promptTokens, at },
      stream,
      breakerFor: breakerLookupFor(route),
      latencyFor,
      fitsContext,
      estimateCost,
      random,
    })
    if (routeSpan !== undefined && selection.skipped.length > 0) {
      routeSpan.setAttribute(switchyardAttributes.skippedTargets, selection.skipped.map((skip) => `${skip.target.provider}/${skip.target.model}:${skip.reason}:${skip.detail}`))
    }
    const spend: AttemptSpend = { units: 0n }
    return {
      name,
      route,
      routeSpan,
      reservation,
      spend,
      attemptsOptions: {
        routeName: name,
        route,
        ordered: selection.ordered,
        skipped: selection.skipped,
        providers,
        health,
        retryBudget: retryBudgetFor(name, route),
        scope: routeScope,
        baseRequest,
        stream,
        callerSignal: request.signal,
        deadlineAt: now() + route.timeouts.totalMs,
        budget: reservation?.decision.summary,
        onAttemptStarted: reservation === undefined ? undefined : (call: AttemptCall) => attachSpan(reservation, call),
        captureContent: config.captureMessageContent ?? messageContentCaptureDefault(),
        now,
        random,
        sleep,
        failedCost,
        spend,
      },
    }
  }

  return {
    config,
    priceTable,
    budgets: ledger,
    ready: () => budgetSetup?.ready ?? Promise.resolve(),
    breakerStates: () => health.breakerStates(),

    async chat(request) {
      const prepared = prepare(request, false)
      try {
        const { value, call, attempts } = await routeAttempts(prepared.attemptsOptions, performChat)
        const durationMs = now() - call.startedAt
        call.control.dispose()
        health.breaker(call.target, prepared.route.breaker).recordSuccess()
        health.latency(call.target).recordLatency(durationMs)
        const cost = priceUsage(call, value.model || call.target.model, value.usage, false)
        call.span.end({ result: value, cost })
        attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs, costUsd: cost.costUsd, hedge: call.hedge })
        endRouteSpan(prepared.routeSpan)
        settle(prepared.reservation, prepared.spend.units + cost.costUnits)
        return toChatResult({ result: value, cost, call, attempts, route: prepared.name })
      } catch (error) {
        endRouteSpan(prepared.routeSpan, error)
        settle(prepared.reservation, isAllTargetsFailedError(error) || error instanceof RequestAbortedError ? prepared.spend.units : 0n)
        throw error
      }
    },

    stream(request) {
      // The stream starts when it is first read, possibly after the workflow or step
      // that asked for it returned: take their scope now.
      const scope = currentScope()
      return openRoutedStream({
        prepare: () => prepare(request, true, scope),
        health,
        now,
        priceUsage,
        toChatResult,
        endRouteSpan,
        settle,
      })
    },

    async close() {
      await Promise.all([...providers.values()].map((provider) => provider.close()))
      await budgetSetup?.close()
    },
  }
}

export function toChatResult(options: { result: ModelCallResult; cost: AttemptCost; call: AttemptCall; attempts: ChatResult['attempts']; route: string }): ChatResult {
  const { result, cost, call } = options
  return {
    text: result.text,
    message: { role: 'assistant', content: result.text, toolCalls: result.toolCalls },
    toolCalls: result.toolCalls,
    finishReason: result.finishReason,
    id: result.id,
    usage: result.usage,
    costUsd: cost.costUsd,
    costSource: cost.source,
    provider: call.target.provider,
    model: result.model || call.target.model,
    route: options.route,
    attempts: options.attempts,
  }
}

function providerRequestOf(request: ChatRequest): Omit<ProviderRequest, 'model' | 'signal'> {
  const { route: _route, model: _model, signal: _signal, tags: _tags, ...rest } = request
  return rest
}

function startRouteSpan(name: string, scope: CallScope): Span | undefined {
  try {
    const attributes: Record<string, string> = { [switchyardAttributes.route]: name }
    // Dashboards filter route-level rates (breaker skips) by workflow and step too.
    if (scope.workflow !== undefined) attributes[genAi.workflowName] = scope.workflow
    if (scope.workflowRunId !== undefined) attributes[switchyardAttributes.workflowRunId] = scope.workflowRunId
    if (scope.step !== undefined) attributes[switchyardAttributes.step] = scope.step
    return tracer().startSpan(`route ${name}`, { kind: SpanKind.INTERNAL, attributes }, parentContext(scope))
  } catch {
    return undefined
  }
}

export function endRouteSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return
  try {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    span.end()
  } catch {
    // Telemetry never breaks the call.
  }
}

function withEnvironmentKeys(input: RouterConfigInput, keys: Readonly<Record<string, string | undefined>>): RouterConfigInput {
  if (typeof input !== 'object' || input === null || typeof input.providers !== 'object' || input.providers === null) return input
  const providers = Object.fromEntries(Object.entries(input.providers).map(([name, provider]) => {
    if (typeof provider !== 'object' || provider === null || !('type' in provider) || ('apiKey' in provider && provider.apiKey !== undefined)) return [name, provider]
    const key = keys[provider.type]
    return [name, key === undefined ? provider : { ...provider, apiKey: key }]
  }))
  return { ...input, providers } as RouterConfigInput
}

function budgetScope(scope: CallScope): BudgetScope {
  const budget: BudgetScope = { tags: scope.tags }
  if (scope.workflow !== undefined) budget.workflow = scope.workflow
  if (scope.step !== undefined) budget.step = scope.step
  return budget
}

/** The budget scope of one target of a call. */
function targetScope(scope: CallScope, provider: string, model: string): BudgetScope {
  const budget = budgetScope(scope)
  budget.provider = provider
  budget.model = model
  return budget
}

/** What target selection needs of a request: its output limit, its estimated prompt and when it is made. */
interface SelectionRequest {
  maxTokens: number | undefined
  promptTokens: number
  at: Date
}

function performChat(call: AttemptCall): Promise<ModelCallResult> {
  return call.provider.chat(call.request)
}

function attachSpan(reservation: Reservation | undefined, call: AttemptCall): void {
  const spanId = exportedSpanId(call.span.span)
  if (reservation !== undefined && spanId !== undefined) reservation.attachSpan(spanId)
}

/** End a request's reservation with what its attempts cost in all, in pico-USD (each attempt is billed). */
export function settle(reservation: Reservation | undefined, units: bigint): void {
  if (reservation === undefined) return
  if (units === 0n) reservation.release()
  else reservation.settle(units)
}

function recordBudgetEvent(span: Span | undefined, outcome: unknown): void {
  if (span === undefined) return
  try {
    if (isBudgetExceededError(outcome)) {
      span.setAttributes({
        [switchyardAttributes.budgetName]: outcome.budget,
        [switchyardAttributes.budgetAction]: 'block',
      })
      span.addEvent('switchyard.budget.decision', { action: 'block', budget: outcome.budget })
      return
    }
    const decision = outcome as { action?: string; summary?: { name: string; action: string; spentUsd: string; limitUsd: string } }
    if (decision.summary === undefined) return
    span.setAttributes({
      [switchyardAttributes.budgetName]: decision.summary.name,
      [switchyardAttributes.budgetAction]: decision.summary.action,
      [switchyardAttributes.budgetSpentUsd]: decision.summary.spentUsd,
      [switchyardAttributes.budgetLimitUsd]: decision.summary.limitUsd,
    })
    span.addEvent('switchyard.budget.decision', { ...decision.summary })
  } catch {
    // Telemetry never breaks the call.
  }
}

/** The router's budget ledger; a router with budgets but nowhere to read settled spend is a config error. */
function setUpBudgets(options: { config: RouterConfig; dependencies: RouterDependencies; now: () => number }): BudgetLedgerSetup | undefined {
  const { config, dependencies } = options
  const spend = { spendSource: dependencies.spendSource, spendEndpoint: config.spendEndpoint, store: config.store }
  if (config.budgets.length > 0 && !hasSpendSource(spend)) {
    throw new RouterConfigError([{ path: 'budgets', message: 'budgets need settled spend: set `store` (a ClickHouse URL) or `spendEndpoint` (a collector URL)' }])
  }
  return createBudgetLedgerFor({ budgets: config.budgets, ...spend, now: options.now })
}
