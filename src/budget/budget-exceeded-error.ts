import { SwitchyardError } from '../errors/switchyard-error.js'
import { formatUsd } from '../pricing/format-usd.js'
import type { BudgetWindow } from './budget-config.js'
import type { BudgetScope } from './budget-scope.js'
import { describeWindow } from './window-span.js'

/**
 * Why a budget refused: its limit, a store it could not read for longer than it may go
 * blind, or (with `shared.onUnavailable: 'block'`) a shared Redis that did not answer.
 */
export type BudgetRefusalReason = 'limit' | 'store_unavailable' | 'shared_unavailable'

export interface BudgetExceededErrorOptions {
  budget: string
  scope: BudgetScope
  window: BudgetWindow
  reason: BudgetRefusalReason
  /** Spend counted before this call, in pico-USD: settled + finished here + reserved. */
  spentUnits: bigint
  limitUnits: bigint
  /** The call's reservation (worst case), in pico-USD. */
  worstCaseUnits: bigint
  /** The limit share at which the budget blocks (1 = the whole limit). */
  blockAt: number
  /** When the window will have room for this call again; undefined when the ledger cannot promise any time. */
  retryAtMs?: number
  /** For store_unavailable: how long the store has not answered. */
  storeAgeMs?: number
}

/**
 * A budget refused a call. It keeps the budget, the scope, the figures (as pico-USD
 * and as exact USD strings) and the window, and when the window will have room again
 * (`retryAtMs` / `retryAt`): for a rolling window when enough of the spend in it
 * leaves, for a calendar window at its next boundary. Check with
 * `BudgetExceededError.isInstance(error)` (or isBudgetExceededError).
 */
export class BudgetExceededError extends SwitchyardError {
  declare readonly code: 'budget_exceeded'
  readonly budget: string
  readonly scope: BudgetScope
  readonly window: BudgetWindow
  readonly reason: BudgetRefusalReason
  readonly spentUnits: bigint
  readonly limitUnits: bigint
  readonly worstCaseUnits: bigint
  readonly spentUsd: string
  readonly limitUsd: string
  readonly retryAtMs: number | undefined
  readonly retryAt: Date | undefined

  constructor(options: BudgetExceededErrorOptions) {
    super({ code: 'budget_exceeded', message: message(options) })
    this.budget = options.budget
    this.scope = options.scope
    this.window = options.window
    this.reason = options.reason
    this.spentUnits = options.spentUnits
    this.limitUnits = options.limitUnits
    this.worstCaseUnits = options.worstCaseUnits
    this.spentUsd = formatUsd(options.spentUnits)
    this.limitUsd = formatUsd(options.limitUnits)
    this.retryAtMs = options.retryAtMs
    this.retryAt = options.retryAtMs === undefined ? undefined : new Date(options.retryAtMs)
  }
}

export function isBudgetExceededError(error: unknown): error is BudgetExceededError {
  return BudgetExceededError.isInstance(error)
}

function message(options: BudgetExceededErrorOptions): string {
  const window = describeWindow(options.window)
  const spent = `$${formatUsd(options.spentUnits)} of $${formatUsd(options.limitUnits)} spent in the ${window} window`
  if (options.reason === 'store_unavailable') {
    const age = options.storeAgeMs === undefined ? 'since the ledger started' : `for ${Math.round(options.storeAgeMs / 1000)} s`
    return `budget "${options.budget}" refuses the call: its spend store has not answered ${age} and the budget has `
      + `onStoreUnavailable: "block" (last known: ${spent}). Bring the store back, or set onStoreUnavailable: "allow".`
  }
  if (options.reason === 'shared_unavailable') {
    return `budget "${options.budget}" refuses the call: the shared Redis that holds its reservations across processes does not answer `
      + `and shared.onUnavailable is "block" (this process knows of ${spent}). Bring Redis back, or set shared.onUnavailable: "local".`
  }
  const share = options.blockAt === 1 ? 'its limit' : `${options.blockAt * 100}% of its limit`
  const when = options.retryAtMs === undefined
    ? (options.worstCaseUnits * 1_000_000n > options.limitUnits * BigInt(Math.round(options.blockAt * 1_000_000))
      ? 'this call alone may cost more than that, so it will not fit in any window'
      : 'room comes back as the spend in flight settles')
    : `there is room again at ${new Date(options.retryAtMs).toISOString()}`
  return `budget "${options.budget}" refuses the call: ${spent}, and this call may cost up to $${formatUsd(options.worstCaseUnits)}, `
    + `which could take it past ${share}; ${when}. Wait, lower maxTokens, route to a cheaper model, or raise limitUsd.`
}
