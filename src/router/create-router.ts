import { readEnvironment } from '../config/environment.js'
import type { BudgetLedger } from '../budget/budget-ledger.js'
import { createBudgetLedgerFor, hasSpendSource, type BudgetLedgerSetup } from '../budget/create-budget-ledger-for.js'
import type { SpendSource } from '../budget/spend-source.js'
import { createPriceTable } from '../pricing/create-price-table.js'
import type { PriceEntryInput } from '../pricing/price-entry-schema.js'
import type { PriceTable } from '../pricing/price-table.js'
import { createProvider } from '../providers/create-provider.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Provider } from '../providers/provider.js'
import { currentScope } from '../telemetry/workflow-context.js'
import type { AttemptCall } from './attempt-call.js'
import { chatOperation } from './chat-operation.js'
import type { ChatRequest, ChatResult, ChatStream } from './chat-request.js'
import type { EmbeddingRequest, EmbeddingResult } from './embedding-request.js'
import { parseRouterConfig } from './parse-router-config.js'
import { routeAttempts } from './route-attempts.js'
import { RoutePricing } from './route-pricing.js'
import { RouteResolver } from './route-resolver.js'
import { RoutedCall } from './routed-call.js'
import { routedEmbedding } from './routed-embedding.js'
import { openRoutedStream } from './routed-stream.js'
import type { RouterConfig, RouterConfigInput } from './router-config.js'
import { RouterConfigError } from './router-config-error.js'
import type { RouterParts } from './router-parts.js'
import { TargetHealth } from './target-health.js'
import { TargetSelector } from './target-selector.js'
import { withEnvironmentKeys } from './with-environment-keys.js'
import { sleepUntilAborted } from '../shared/sleep-until-aborted.js'

/** The gate shape budgets offer to callers (instrumented clients use it; the router asks the ledger directly). */
export type { BudgetGate } from '../budget/budget-gate.js'

export interface RouterDependencies {
  now?: () => number
  random?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  priceTable?: PriceTable
  /** Where budgets read settled spend; default: config.spendEndpoint, else config.store. */
  spendSource?: SpendSource
  /** Replace the adapters built from config (tests). */
  providers?: ReadonlyMap<string, Provider>
  /**
   * A budget ledger set up by the caller for exactly `config.budgets`, used instead of
   * building one and left open by `close()`. A gateway keeps one across config reloads,
   * so the calls in flight on the old router stay reserved for the new one.
   */
  budgetLedger?: BudgetLedgerSetup
}

export interface Router {
  /** One routed chat call; resolves with the answer of the target that succeeded. */
  chat(request: ChatRequest): Promise<ChatResult>
  /** A routed stream: retried or rerouted only until its first chunk reaches the caller. */
  stream(request: ChatRequest): ChatStream
  /**
   * One routed embeddings call: a vector per input, in input order, priced on its
   * input tokens, with the same retries, fallbacks, budgets and spans as chat.
   */
  embed(request: EmbeddingRequest): Promise<EmbeddingResult>
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

/**
 * Build a router from a config object. The config is validated first: a bad field
 * fails here with its dotted path, and API keys missing from the config are taken
 * from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY).
 * It only assembles the parts; each routed call's life is RoutedCall's.
 */
export function createRouter(input: RouterConfigInput, dependencies: RouterDependencies = {}): Router {
  const config = parseRouterConfig(withEnvironmentKeys(input, readEnvironment().providerKeys))
  const now = dependencies.now ?? Date.now
  const random = dependencies.random ?? Math.random
  const priceTable = dependencies.priceTable ?? createPriceTable({
    entries: config.prices?.entries as PriceEntryInput[] | undefined,
    overrides: config.prices?.overrides as PriceEntryInput[] | undefined,
    file: config.prices?.file,
    providerAliases: config.prices?.providerAliases,
    unknownModel: config.prices?.unknownModel,
    unknownModelPath: 'prices.unknownModel',
  })
  const providers = dependencies.providers ?? new Map(Object.entries(config.providers).map(([name, providerConfig]) => [name, createProvider(name, providerConfig)]))
  const health = new TargetHealth(now)
  const budgetSetup = setUpBudgets({ config, dependencies, now })
  const ledger = budgetSetup?.ledger
  const routes = new RouteResolver({ config, health, now })
  const pricing = new RoutePricing({ priceTable, providers, ledger, now })
  let closed: Promise<void> | undefined
  const parts: RouterParts = {
    config,
    providers,
    health,
    routes,
    selector: new TargetSelector({ health, routes, pricing, random }),
    pricing,
    ledger,
    now,
    random,
    sleep: dependencies.sleep ?? sleepUntilAborted,
  }

  return {
    config,
    priceTable,
    budgets: ledger,
    ready: () => budgetSetup?.ready ?? Promise.resolve(),
    breakerStates: () => health.breakerStates(),
    chat: (request) => routedChat(parts, request),
    // The stream starts when it is first read, possibly after the workflow or step
    // that asked for it returned: take their scope now.
    stream: (request) => openRoutedStream({ parts, request, scope: currentScope() }),
    embed: (request) => routedEmbedding(parts, request, currentScope()),
    // Once: a second close (a gateway's shutdown after a reload closed this router) waits on the first.
    close() {
      closed ??= (async () => {
        await Promise.all([...providers.values()].map((provider) => provider.close()))
        if (dependencies.budgetLedger === undefined) await budgetSetup?.close()
      })()
      return closed
    },
  }
}

/** One routed chat call: prepared, attempted, and finished by its RoutedCall. */
async function routedChat(parts: RouterParts, request: ChatRequest): Promise<ChatResult> {
  const routed = new RoutedCall({ parts, operation: chatOperation, request, stream: false, scope: currentScope() })
  try {
    const { value, call } = await routeAttempts(routed, performChat)
    return routed.finishSuccess(call, value, undefined)
  } catch (error) {
    routed.finishFailure(error)
    throw error
  }
}

function performChat(call: AttemptCall): Promise<ModelCallResult> {
  return call.provider.chat(call.request)
}

/** The router's budget ledger; a router with budgets but nowhere to read settled spend is a config error. */
function setUpBudgets(options: { config: RouterConfig; dependencies: RouterDependencies; now: () => number }): BudgetLedgerSetup | undefined {
  const { config, dependencies } = options
  if (dependencies.budgetLedger !== undefined) return config.budgets.length > 0 ? dependencies.budgetLedger : undefined
  const spend = { spendSource: dependencies.spendSource, spendEndpoint: config.spendEndpoint, store: config.store }
  if (config.budgets.length > 0 && !hasSpendSource(spend)) {
    throw new RouterConfigError([{ path: 'budgets', message: 'budgets need settled spend: set `store` (a ClickHouse URL) or `spendEndpoint` (a collector URL)' }])
  }
  return createBudgetLedgerFor({ budgets: config.budgets, ...spend, shared: config.shared, now: options.now })
}
