import type { z } from 'zod'
import { budgetListSchema, type BudgetConfig } from './budget-config.js'
import { BudgetConfigError } from './budget-config-error.js'

/**
 * Validates a list of budgets and fills in their defaults, or throws a
 * BudgetConfigError naming every bad field by its dotted path under `budgets`
 * (`budgets[0].actions[1].at`), the way the router reports its own config.
 */
export function parseBudgets(input: unknown): BudgetConfig[] {
  const result = budgetListSchema.safeParse(input)
  if (result.success) return result.data
  throw new BudgetConfigError(result.error.issues.map((issue) => ({ path: issuePath(issue), message: issueMessage(issue) })))
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // zod reports a bad record key as "Invalid key in record" and keeps the reason one level down.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return issue.issues.map((inner) => inner.message).join('; ')
  return issue.message
}

function issuePath(issue: z.core.$ZodIssue): string {
  let text = 'budgets'
  for (const segment of issue.path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (typeof segment === 'symbol') text += `[${segment.toString()}]`
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) text += `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}
