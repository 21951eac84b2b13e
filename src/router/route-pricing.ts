import type { BudgetLedger } from '../budget/budget-ledger.js'
import type { Usage } from '../model-call/usage.js'
import { estimateCutStreamUsage } from '../pricing/estimate-cut-stream-usage.js'
import { priceCall } from '../pricing/price-call.js'
import { isPriceNotFoundError } from '../pricing/price-not-found-error.js'
import type { PriceTable } from '../pricing/price-table.js'
import { PriceUnknownError } from '../pricing/price-unknown-error.js'
import { worstCaseCost } from '../pricing/worst-case-cost.js'
import { isProviderError } from '../providers/provider-error.js'
import type { Provider } from '../providers/provider.js'
import type { CallScope } from '../telemetry/workflow-context.js'
import type { AttemptCall, AttemptCost } from './attempt-call.js'
import { targetBudgetScopeOf } from './budget-scope-of.js'
import type { RouteConfig, RouteTarget } from './router-config.js'

export interface RoutePricingOptions {
  priceTable: PriceTable
  providers: ReadonlyMap<string, Provider>
  ledger: BudgetLedger | undefined
  now: () => number
}

/** What target selection needs of a request: its output limit, its estimated prompt and when it is made. */
export interface SelectionRequest {
  maxTokens: number | undefined
  promptTokens: number
  at: Date
}

/**
 * Every price a router takes: an attempt's cost (from its usage, or estimated from
 * what a failed one used), a route's worst case for the budget reservation, and a
 * target's estimate for the cost strategy. One per router.
 */
export class RoutePricing {
  readonly #priceTable: PriceTable
  readonly #providers: ReadonlyMap<string, Provider>
  readonly #ledger: BudgetLedger | undefined
  readonly #now: () => number

  constructor(options: RoutePricingOptions) {
    this.#priceTable = options.priceTable
    this.#providers = options.providers
    this.#ledger = options.ledger
    this.#now = options.now
  }

  /**
   * The cost of one attempt; `estimated` when the usage was not reported (a cut
   * stream), at the prices of the service tier the answer names, if any.
   */
  priceAttempt(call: Pick<AttemptCall<unknown>, 'provider'>, model: string, usage: Usage, estimated: boolean, serviceTier?: string): AttemptCost {
    const priced = priceCall({ table: this.#priceTable, provider: call.provider.providerName, model, usage, at: new Date(this.#now()), estimated, serviceTier })
    return { costUsd: priced.costUsd, source: priced.source, priceVersion: priced.priceVersion, costUnits: priced.costUnits }
  }

  /**
   * With `prices.unknownModel: 'block'`, refuses a route any of whose targets has
   * no price at `at`, before any call is made: spend that cannot be counted is
   * not made. Throws PriceUnknownError naming the first such model.
   */
  refuseUnpriced(routeName: string, route: RouteConfig, at: Date): void {
    if (this.#priceTable.unknownModel !== 'block') return
    for (const target of route.targets) {
      const provider = this.#providers.get(target.provider)
      if (provider === undefined) continue
      if (this.#priceTable.find({ provider: provider.providerName, model: target.model, at }).found) continue
      throw new PriceUnknownError({ provider: provider.providerName, model: target.model, route: routeName })
    }
  }

  /** A failed attempt's cost from what it used (input counted, `promptTokens` of the request, output seen), if it used anything. */
  failedCost(call: AttemptCall<unknown>, error: unknown, promptTokens: number): AttemptCost | undefined {
    if (!isProviderError(error)) return undefined
    const sawOutput = error.partialText !== undefined || error.partialUsage !== undefined
    if (!sawOutput && error.code !== 'aborted') return undefined
    const usage = estimateCutStreamUsage({
      partialUsage: error.partialUsage,
      outputText: error.partialText ?? '',
      inputTokens: promptTokens,
    })
    return this.priceAttempt(call, call.target.model, usage, true)
  }

  /**
   * The reservation of a routed request: the dearest target's worst case, prompt
   * tokens estimated from the request plus `maxTokens` (0 for embeddings; else the output this
   * workflow, step and model produced before, else the model's maximum) at the
   * output price. A target without a price is reserved at the prices the unknown-model
   * policy counts it at; only a target that policy cannot price either reserves nothing.
   */
  worstCaseOfRoute(options: { route: RouteConfig; scope: CallScope; inputTokens: number; maxTokens: number | undefined; at: Date }): bigint {
    const { route, scope, inputTokens, at } = options
    let worst = 0n
    for (const target of route.targets) {
      const provider = this.#providers.get(target.provider)
      if (provider === undefined) continue
      const maxOutputTokens = options.maxTokens ?? this.#ledger?.outputTokensFor({ scope: targetBudgetScopeOf(scope, provider.providerName, target.model) }).tokens ?? 4_096
      try {
        const units = worstCaseCost({ table: this.#priceTable, provider: provider.providerName, model: target.model, inputTokens, maxOutputTokens, at })
        if (units > worst) worst = units
      } catch (error) {
        if (!isPriceNotFoundError(error)) throw error
      }
    }
    return worst
  }

  /** A target's estimated cost for the cost strategy (made once: selection reads it on every request). */
  readonly estimateCost = (target: RouteTarget, candidate: SelectionRequest): bigint | undefined => {
    const provider = this.#providers.get(target.provider)
    if (provider === undefined) return undefined
    const priced = priceCall({
      table: this.#priceTable,
      provider: provider.providerName,
      model: target.model,
      usage: { inputTokens: candidate.promptTokens, outputTokens: candidate.maxTokens ?? 500, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
      at: candidate.at,
    })
    return priced.source === 'unknown' ? undefined : priced.costUnits
  }
}
