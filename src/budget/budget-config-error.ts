import { ConfigError, configIssuesMessage, type ConfigIssue } from '../errors/config-error.js'

/** One bad field: where it is (`budgets[2].window.timeZone`) and what is wrong with it. */
export type BudgetConfigIssue = ConfigIssue

/**
 * A budget list cannot work. `issues` lists every bad field at once with its dotted
 * path, so a user fixes them in one pass; the message repeats them, one per line.
 */
export class BudgetConfigError extends ConfigError {
  constructor(issues: readonly BudgetConfigIssue[]) {
    super({ message: configIssuesMessage('budgets', issues), issues })
  }
}

export function isBudgetConfigError(value: unknown): value is BudgetConfigError {
  return BudgetConfigError.isInstance(value)
}
