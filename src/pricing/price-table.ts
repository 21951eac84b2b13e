import type { PriceEntry } from './price-entry.js'
import type { UnknownModelPolicy } from './unknown-model-policy.js'
import type { UnknownModelPrice } from './unknown-model-price.js'
import type { UnknownModelWarnings } from './unknown-model-warnings.js'

export interface PriceQuery {
  /** Provider name as in `gen_ai.provider.name`, or a configured name mapped by `providerAliases`. */
  provider: string
  /** Model id as requested or as the provider answered; snapshots, aliases and vendor prefixes resolve. */
  model: string
  /** When the call happened: the entry in force at that time prices it. */
  at: Date
}

export type PriceLookup =
  | { found: true; entry: PriceEntry }
  | { found: false; reason: 'unknown_model' | 'not_in_force' }

/** Prices by provider, model and time. Built by createPriceTable. */
export interface PriceTable {
  /** Every entry, price history included, in a stable order (provider, model, effectiveFrom). */
  readonly entries: readonly PriceEntry[]
  find(query: PriceQuery): PriceLookup
  /** The once-per-model warnings about unpriced models. */
  readonly unknownModelWarnings: UnknownModelWarnings
  /** What a call to an unpriced model counts as (see unknownModelPolicySchema); absent: `mostExpensive`. */
  readonly unknownModel?: UnknownModelPolicy
  /**
   * The prices a call that `find` does not price counts at under `unknownModel`,
   * or undefined when there are none (a provider the table knows nothing of).
   * Optional so that a hand-made table may leave it out: its unpriced calls stay `unknown`.
   */
  unknownModelPrice?(query: PriceQuery): UnknownModelPrice | undefined
}
