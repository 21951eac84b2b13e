import type { SpendSource } from '../budget/spend-source.js'
import { routerConfigOf } from '../config/router-config-of.js'
import type { SwitchyardConfig } from '../config/switchyard-config.js'
import { createRouter, type RouterDependencies } from '../router/create-router.js'
import { GatewayGeneration } from './gateway-generation.js'

/**
 * A generation for a loaded config: a router whose budgets read the gateway's own
 * store through `spendSource` (no second store client), and the config's key table.
 * Throws the router's ConfigError for a config it refuses.
 */
export function buildGeneration(options: { config: SwitchyardConfig; spendSource: SpendSource; dependencies?: RouterDependencies }): GatewayGeneration {
  const router = createRouter(routerConfigOf(options.config), { spendSource: options.spendSource, ...options.dependencies })
  try {
    return new GatewayGeneration({ config: options.config, router })
  } catch (error) {
    void router.close()
    throw error
  }
}
