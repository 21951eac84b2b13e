import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api'
import { readEnvironment } from '../config/environment.js'
import { createPriceTable, estimateCutStreamUsage, priceCall, type PriceEntryInput, type PriceTable } from '../pricing/index.js'
import { createProvider } from '../providers/create-provider.js'
import { isProviderError } from '../providers/provider-error.js'
import type { Provider, ProviderRequest, ProviderResult, Usage } from '../providers/provider.js'
import { switchyardAttributes } from '../telemetry/attribute-names.js'
import type { BudgetDecisionRecord, CallCost } from '../telemetry/model-call-span.js'
import { tracer } from '../telemetry/tracer.js'
import { currentScope, parentContext, scopeWithParent, type CallScope } from '../telemetry/workflow-context.js'
import type { ChatRequest, ChatResult, ChatStream } from './chat-request.js'
import { estimatePromptTokens, fitsContextWindow } from './context-window.js'
import { parseRouterConfig } from './parse-router-config.js'
import { RetryBudget } from './retry-budget.js'
import { routeAttempts, type AttemptCall } from './route-attempts.js'
import { routeConfigSchema, type RouteConfig, type RouterConfig, type RouterConfigInput } from './router-config.js'
import { UnknownRouteError } from './router-errors.js'
import { selectTargets } from './select-targets.js'
import { openRoutedStream } from './routed-stream.js'
import { TargetHealth } from './target-health.js'

/** Before each routed request: the budget decision, which may reroute or refuse. */
export interface BudgetGate {
  /** Synchronous by contract: the decision never waits on the store. Throws BudgetExceededError to block. */
  decide(options: { scope: CallScope; route: string }): { record?: BudgetDecisionRecord; downgradeRoute?: string; release(actual?: bigint): void }
}

export interface RouterDependencies {
  now?: () => number
  random?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  priceTable?: PriceTable
  budgets?: BudgetGate
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
  const sleep = dependencies.sleep ?? abortableSleep
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

  const priceUsage = (call: AttemptCall, model: string, usage: Usage, estimated: boolean): CallCost => {
    const priced = priceCall({ table: priceTable, provider: call.provider.providerName, model, usage, at: new Date(now()), estimated })
    return { costUsd: priced.costUsd, source: priced.source, priceVersion: priced.priceVersion }
  }

  const failedCost = (call: AttemptCall, error: unknown): CallCost | undefined => {
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

  /** The shared front half of chat and stream: scope, budget, route span, target order. */
  const prepare = (request: ChatRequest, stream: boolean) => {
    const resolved = resolveRoute(request)
    const outer = currentScope()
    const scope: CallScope = request.tags === undefined ? outer : { ...outer, tags: { ...outer.tags, ...request.tags } }
    const decision = dependencies.budgets?.decide({ scope, route: resolved.name })
    let { name, route } = resolved
    if (decision?.downgradeRoute !== undefined && config.routes[decision.downgradeRoute] !== undefined) {
      name = decision.downgradeRoute
      route = config.routes[decision.downgradeRoute]!
    }
    const routeSpan = startRouteSpan(name, scope)
    const routeScope: CallScope = routeSpan === undefined ? scope : scopeWithParent(scope, routeSpan)
    const baseRequest = providerRequestOf(request)
    const selection = selectTargets({
      route,
      request: baseRequest,
      stream,
      breakerFor: (target) => health.breaker(target, route.breaker),
      latencyFor: (target) => health.latency(target).snapshot(),
      fitsContext: (target, candidate) => fitsContextWindow({ model: target.model, contextWindow: target.contextWindow, request: candidate }),
      estimateCost: (target, candidate) => {
        const provider = providers.get(target.provider)
        if (provider === undefined) return undefined
        const priced = priceCall({
          table: priceTable,
          provider: provider.providerName,
          model: target.model,
          usage: { inputTokens: estimatePromptTokens(candidate), outputTokens: candidate.maxTokens ?? 500, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
          at: new Date(now()),
        })
        return priced.source === 'unknown' ? undefined : priced.costUnits
      },
      random,
    })
    if (routeSpan !== undefined && selection.skipped.length > 0) {
      routeSpan.setAttribute(switchyardAttributes.skippedTargets, selection.skipped.map((skip) => `${skip.target.provider}/${skip.target.model}:${skip.reason}:${skip.detail}`))
    }
    const deadlineSignal = AbortSignal.timeout(route.timeouts.totalMs)
    return {
      name,
      route,
      routeSpan,
      decision,
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
        deadlineSignal,
        deadlineAt: now() + route.timeouts.totalMs,
        budget: decision?.record,
        captureContent: environment.captureMessageContent,
        now,
        random,
        sleep,
        failedCost,
      },
    }
  }

  return {
    config,
    priceTable,
    breakerStates: () => health.breakerStates(),

    async chat(request) {
      const prepared = prepare(request, false)
      try {
        const { value, call, attempts } = await routeAttempts<ProviderResult>({
          ...prepared.attemptsOptions,
          perform: (attemptCall) => attemptCall.provider.chat(attemptCall.request),
        })
        const durationMs = now() - call.startedAt
        health.breaker(call.target, prepared.route.breaker).recordSuccess()
        health.latency(call.target).recordLatency(durationMs)
        const cost = priceUsage(call, value.model || call.target.model, value.usage, false)
        call.span.end({ result: value, cost })
        attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs, costUsd: cost.costUsd, hedge: call.hedge })
        endRouteSpan(prepared.routeSpan)
        prepared.decision?.release()
        return toChatResult({ result: value, cost, call, attempts, route: prepared.name })
      } catch (error) {
        endRouteSpan(prepared.routeSpan, error)
        prepared.decision?.release()
        throw error
      }
    },

    stream(request) {
      return openRoutedStream({
        prepare: () => prepare(request, true),
        health,
        now,
        priceUsage,
        toChatResult,
        endRouteSpan,
      })
    },

    async close() {
      await Promise.all([...providers.values()].map((provider) => provider.close()))
    },
  }
}

export function toChatResult(options: { result: ProviderResult; cost: CallCost; call: AttemptCall; attempts: ChatResult['attempts']; route: string }): ChatResult {
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
    return tracer().startSpan(`route ${name}`, { kind: SpanKind.INTERNAL, attributes: { [switchyardAttributes.route]: name } }, parentContext(scope))
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

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
