/** One bad field: where it is (`budgets[2].window.timeZone`) and what is wrong with it. */
export interface BudgetConfigIssue {
  path: string
  message: string
}

/**
 * A budget list cannot work. `issues` lists every bad field at once with its dotted
 * path, so a user fixes them in one pass; the message repeats them, one per line.
 */
export class BudgetConfigError extends Error {
  override readonly name = 'BudgetConfigError'
  readonly code = 'SWITCHYARD_BUDGET_CONFIG'
  readonly issues: readonly BudgetConfigIssue[]

  constructor(issues: readonly BudgetConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`)
    super(`Invalid switchyard budgets (${issues.length === 1 ? '1 problem' : `${issues.length} problems`}); fix these fields:\n${lines.join('\n')}`)
    this.issues = issues
  }
}

export function isBudgetConfigError(value: unknown): value is BudgetConfigError {
  return value instanceof BudgetConfigError
}
