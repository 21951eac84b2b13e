import type { SpendSource } from '../budget/spend-source.js'
import { routerConfigOf } from '../config/router-config-of.js'
import type { SwitchyardConfig } from '../config/switchyard-config.js'
import { createRouter, type RouterDependencies } from '../router/create-router.js'
import { GatewayGeneration } from './gateway-generation.js'
import { SharedBudgetLedger } from './shared-budget-ledger.js'

/**
 * A generation for a loaded config: a router whose budgets read the gateway's own
 * store through `spendSource` (no second store client), with the previous
 * generation's budget ledger when the budgets did not change, and the config's key
 * table. Throws the router's ConfigError for a config it refuses.
 */
export function buildGeneration(options: { config: SwitchyardConfig; spendSource: SpendSource; previous?: GatewayGeneration; dependencies?: RouterDependencies }): GatewayGeneration {
  const { config } = options
  const ledger = options.dependencies?.budgetLedger === undefined
    ? SharedBudgetLedger.for({ budgets: config.budgets, shared: config.shared, spendSource: options.spendSource, previous: options.previous?.ledger })
    : undefined
  try {
    const router = createRouter(routerConfigOf(config), { spendSource: options.spendSource, budgetLedger: ledger?.setup, ...options.dependencies })
    return new GatewayGeneration({ config, router, ledger })
  } catch (error) {
    void ledger?.release()
    throw error
  }
}
