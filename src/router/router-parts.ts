import type { BudgetLedger } from '../budget/budget-ledger.js'
import type { Provider } from '../providers/provider.js'
import type { RoutePricing } from './route-pricing.js'
import type { RouteResolver } from './route-resolver.js'
import type { RouterConfig } from './router-config.js'
import type { TargetHealth } from './target-health.js'
import type { TargetSelector } from './target-selector.js'

/** What every routed call of one router shares, assembled once by createRouter. */
export interface RouterParts {
  readonly config: RouterConfig
  readonly providers: ReadonlyMap<string, Provider>
  readonly health: TargetHealth
  readonly routes: RouteResolver
  readonly selector: TargetSelector
  readonly pricing: RoutePricing
  readonly ledger: BudgetLedger | undefined
  readonly now: () => number
  readonly random: () => number
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
}
