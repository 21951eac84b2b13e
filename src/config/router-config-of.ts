import type { RouterConfigInput } from '../router/router-config.js'
import type { SwitchyardConfig } from './switchyard-config.js'

/**
 * The router's part of a loaded config, in the shape `createRouter` takes. A parsed
 * config cannot go to createRouter as is: each budget carries its limit twice once
 * parsed (`limitUsd` as a decimal string and `limitUnits` in pico-USD), and the
 * router's strict schema refuses the second. The decimal string is the same amount.
 * `shared` stays: the router's budgets hold their reservations there.
 */
export function routerConfigOf(config: SwitchyardConfig): RouterConfigInput {
  const { gateway: _gateway, budgets, ...router } = config
  return { ...router, budgets: budgets.map(({ limitUnits: _limitUnits, ...budget }) => budget) }
}
