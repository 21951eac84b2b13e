import type { BudgetStatus } from '../budget/budget-status.js'
import { describeWindow } from '../budget/window-span.js'
import { formatUsd } from '../pricing/format-usd.js'
import { buildReport } from '../report/build-report.js'
import type { ReportRow } from '../report/report-schema.js'
import type { Store } from '../store/create-store.js'
import { spendOverTime, type SpendOverTime } from './spend-over-time.js'
import type { UiWindow } from './ui-parameters.js'

/** Rows per table on the overview; the report counts the rest in `omittedRows`. */
const rowsPerTable = 50

/** A budget as the overview shows it: amounts as exact decimal strings. */
export interface OverviewBudget {
  name: string
  window: string
  spentUsd: string
  limitUsd: string
  share: number
  burnRateUsdPerHour: string
  burnRateBasis: string
  runsOutAt: string | null
  error: string | null
}

export interface Overview {
  window: { name: string; from: string; to: string }
  total: ReportRow
  spend: SpendOverTime
  byWorkflow: { rows: ReportRow[]; omittedRows: number }
  byStep: { rows: ReportRow[]; omittedRows: number }
  byModel: { rows: ReportRow[]; omittedRows: number }
  budgets: OverviewBudget[]
}

/**
 * The overview page's data: the report's own figures (buildReport from src/report)
 * by workflow, by workflow and step and by provider and model, the spend chart's
 * buckets, and the configured budgets' status.
 */
export async function buildOverview(options: { store: Store; window: UiWindow; budgets: readonly BudgetStatus[] }): Promise<Overview> {
  const { store, window } = options
  const report = (by: ('workflow' | 'step' | 'provider' | 'model')[]) => buildReport({ store, from: window.from, to: window.to, by, limit: rowsPerTable })
  const [byWorkflow, byStep, byModel, spend] = await Promise.all([
    report(['workflow']),
    report(['workflow', 'step']),
    report(['provider', 'model']),
    spendOverTime({ store, window }),
  ])
  return {
    window: { name: window.name, from: window.from.toISOString(), to: window.to.toISOString() },
    total: { group: {}, ...byWorkflow.total },
    spend,
    byWorkflow: { rows: byWorkflow.rows, omittedRows: byWorkflow.omittedRows },
    byStep: { rows: byStep.rows, omittedRows: byStep.omittedRows },
    byModel: { rows: byModel.rows, omittedRows: byModel.omittedRows },
    budgets: options.budgets.map(toOverviewBudget),
  }
}

function toOverviewBudget(status: BudgetStatus): OverviewBudget {
  return {
    name: status.name,
    window: describeWindow(status.window),
    spentUsd: formatUsd(status.spentUnits),
    limitUsd: formatUsd(status.limitUnits),
    share: status.share,
    burnRateUsdPerHour: formatUsd(status.burnRatePerHourUnits),
    burnRateBasis: status.burnRateBasis,
    runsOutAt: status.runsOutAtMs === undefined ? null : new Date(status.runsOutAtMs).toISOString(),
    error: status.lastError ?? null,
  }
}
