import type { BudgetStatus } from '../budget-status.js'
import type { SharedBudgetFigure } from './shared-budget-store.js'

/**
 * A budget's status as every process sees it: its reserved spend is what Redis holds
 * in flight across all processes, and the finished calls no scan has seen yet count
 * as unconfirmed, as every router's decision counts them. For `switchyard budgets`,
 * whose own process holds no calls.
 */
export function withSharedFigures(statuses: readonly BudgetStatus[], figures: readonly SharedBudgetFigure[]): BudgetStatus[] {
  const byName = new Map(figures.map((figure) => [figure.name, figure]))
  return statuses.map((status) => {
    const figure = byName.get(status.name)
    if (figure === undefined) return status
    const spentUnits = status.settledUnits + figure.reservedUnits + figure.unconfirmedUnits
    return {
      ...status,
      reservedUnits: figure.reservedUnits,
      unconfirmedUnits: figure.unconfirmedUnits,
      spentUnits,
      share: Number((spentUnits * 1_000_000n) / status.limitUnits) / 1_000_000,
      shared: { dropped: figure.dropped, expired: figure.expired },
    }
  })
}
