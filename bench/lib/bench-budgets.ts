import type { BudgetConfig, BudgetConfigInput } from '../../src/budget/budget-config.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'

/**
 * The budgets of the benchmarks: several that match every benchmark call (the
 * whole organisation, the workflow, its step, a tenant tag, a calendar month),
 * of different windows, and two that do not match, so the match is exercised too.
 * Limits are far above what a benchmark spends: every decision is `allow`, the
 * common case, and each budget is still fully evaluated.
 */
export const benchBudgetInputs: BudgetConfigInput[] = [
    { name: 'organisation-30d', window: '30d', limitUsd: 1_000_000 },
    { name: 'workflow-24h', match: { workflow: 'bench' }, window: '24h', limitUsd: 100_000, actions: [{ at: 0.8, do: 'warn' }, { at: 1, do: 'block' }] },
    { name: 'step-1h', match: { workflow: 'bench', step: 'answer' }, window: '1h', limitUsd: 10_000 },
    { name: 'tenant-month', match: { 'tag.tenant': 'acme' }, window: { calendar: 'month', timeZone: 'Europe/Paris' }, limitUsd: 500_000 },
    { name: 'openai-7d', match: { provider: 'openai*' }, window: '7d', limitUsd: 500_000 },
    { name: 'other-workflow', match: { workflow: 'nightly-*' }, window: '24h', limitUsd: 10 },
    { name: 'other-tenant', match: { 'tag.tenant': 'globex' }, window: '30d', limitUsd: 10 },
]

export function benchBudgets(): BudgetConfig[] {
  return parseBudgets(benchBudgetInputs)
}

/**
 * How many of benchBudgets() match a call of workflow `bench`, step `answer`, tenant
 * `acme`, provider `openai`: 5. The router reserves before it picks a target, with no
 * provider in the scope, so there the provider budget does not match: 4.
 */
export const matchingBenchBudgets = 5
