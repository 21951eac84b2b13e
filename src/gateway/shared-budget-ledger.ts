import { diag } from '@opentelemetry/api'
import type { BudgetConfig } from '../budget/budget-config.js'
import { createBudgetLedgerFor, type BudgetLedgerSetup } from '../budget/create-budget-ledger-for.js'
import type { SpendSource } from '../budget/spend-source.js'
import type { SharedConfig } from '../config/shared-config.js'
import { errorSummary } from '../shared/error-summary.js'

/**
 * A budget ledger shared by the routers of successive configs while their budgets stay
 * the same, so a reload keeps the reservations of calls in flight and the spend this
 * process has seen. Each generation holds it; it closes when the last one lets go.
 */
export class SharedBudgetLedger {
  readonly setup: BudgetLedgerSetup
  readonly #budgetsText: string
  #holders = 0

  private constructor(setup: BudgetLedgerSetup, budgetsText: string) {
    this.setup = setup
    this.#budgetsText = budgetsText
  }

  /**
   * The ledger for `budgets`: `previous` again when its budgets are the same, a new one
   * otherwise (undefined without budgets). The caller holds what it gets.
   */
  static for(options: { budgets: readonly BudgetConfig[]; shared: SharedConfig | undefined; spendSource: SpendSource; previous: SharedBudgetLedger | undefined }): SharedBudgetLedger | undefined {
    if (options.budgets.length === 0) return undefined
    // The shared state's URL and policy are part of what must not change for the ledger to be kept.
    const text = JSON.stringify({ budgets: options.budgets, shared: options.shared ?? null }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
    const previous = options.previous
    const ledger = previous !== undefined && previous.#budgetsText === text
      ? previous
      : new SharedBudgetLedger(createBudgetLedgerFor({ budgets: options.budgets, shared: options.shared, spendSource: options.spendSource, now: Date.now })!, text)
    ledger.#holders += 1
    return ledger
  }

  /** Let go; the last holder closes the ledger. */
  async release(): Promise<void> {
    this.#holders -= 1
    if (this.#holders > 0) return
    try {
      await this.setup.close()
    } catch (error) {
      diag.warn(`switchyard gateway: closing a budget ledger failed: ${errorSummary(error)}`)
    }
  }
}
