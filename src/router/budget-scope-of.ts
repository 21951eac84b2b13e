import type { BudgetScope } from '../budget/budget-scope.js'
import type { CallScope } from '../telemetry/workflow-context.js'

/** The budget scope of a call: its workflow, step and tags. */
export function budgetScopeOf(scope: CallScope): BudgetScope {
  const budget: BudgetScope = { tags: scope.tags }
  if (scope.workflow !== undefined) budget.workflow = scope.workflow
  if (scope.step !== undefined) budget.step = scope.step
  return budget
}

/** The budget scope of one target of a call. */
export function targetBudgetScopeOf(scope: CallScope, provider: string, model: string): BudgetScope {
  const budget = budgetScopeOf(scope)
  budget.provider = provider
  budget.model = model
  return budget
}
