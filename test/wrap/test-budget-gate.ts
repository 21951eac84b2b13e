import { BudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import type { CallBudgetGate, CallBudgetQuery } from '../../src/wrap/call-budget-gate.js'

/** A real budget gate for tests: allows (recording the decision) or blocks, and remembers what it was asked, attached and released. */
export function testBudgetGate(options: { block: boolean }): CallBudgetGate & { queries: CallBudgetQuery[]; spanIds: string[]; released: (bigint | undefined)[] } {
  const queries: CallBudgetQuery[] = []
  const spanIds: string[] = []
  const released: (bigint | undefined)[] = []
  return {
    queries,
    spanIds,
    released,
    decide(query) {
      queries.push(query)
      if (options.block) {
        throw new BudgetExceededError({
          budget: 'daily-support',
          scope: { workflow: query.scope.workflow, provider: query.provider, model: query.model },
          window: '24h',
          reason: 'limit',
          spentUnits: 5_000_000_000_000n,
          limitUnits: 5_000_000_000_000n,
          worstCaseUnits: 0n,
          blockAt: 1,
        })
      }
      return {
        record: { name: 'daily-support', action: 'allow', spentUsd: '1.25', limitUsd: '5' },
        attachSpan: (spanId) => {
          spanIds.push(spanId)
        },
        release: (actualUnits) => {
          released.push(actualUnits)
        },
      }
    },
  }
}
