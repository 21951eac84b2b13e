import { csvLine } from './csv-line.js'
import type { Report, ReportFigures } from './report-schema.js'

const figureHeaders = [
  'calls', 'runs', 'input_tokens', 'output_tokens', 'cost_usd', 'cost_per_run_usd',
  'p50_ms', 'p95_ms', 'p99_ms', 'ttft_p50_ms', 'error_rate', 'retry_rate', 'fallback_rate',
  // Added later, so at the end: a sheet that reads columns by position still finds the first ones.
  'refused_requests', 'downgraded_requests', 'workflow_runs', 'cost_per_workflow_run_usd',
]

function figureFields(figures: ReportFigures): (string | number | null)[] {
  return [
    figures.calls, figures.runs, figures.inputTokens, figures.outputTokens, figures.costUsd, figures.costPerRunUsd,
    figures.p50Ms, figures.p95Ms, figures.p99Ms, figures.ttftP50Ms, figures.errorRate, figures.retryRate, figures.fallbackRate,
    figures.refusedRequests, figures.downgradedRequests, figures.workflowRuns, figures.costPerWorkflowRunUsd,
  ]
}

/**
 * The report as CSV for spreadsheets: one header, one line per row, raw figures
 * (exact decimal USD, milliseconds, rates as fractions); no total line, so a sum
 * over the column is not counted twice. Without groupings, one line for the window.
 */
export function formatReportCsv(report: Report): string {
  const groupHeaders = report.by.map((dimension) => dimension.replace(':', '_'))
  const lines = [csvLine([...groupHeaders, ...figureHeaders])]
  if (report.by.length === 0) {
    if (report.total.calls > 0 || report.total.refusedRequests > 0) lines.push(csvLine(figureFields(report.total)))
  } else {
    for (const row of report.rows) lines.push(csvLine([...report.by.map((dimension) => row.group[dimension] ?? ''), ...figureFields(row)]))
  }
  return `${lines.join('\n')}\n`
}
