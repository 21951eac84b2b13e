import { escapeControlCharacters } from '../shared/escape-control-characters.js'
import { formatCount, formatDuration, formatPercent, formatTokens, formatUsdShort } from './format-units.js'
import type { Report, ReportFigures } from './report-schema.js'
import { renderTextTable, type TextColumn } from './text-table.js'

interface FigureColumn extends TextColumn {
  cell: (figures: ReportFigures) => string
  /** Shown only when some row's workflow runs differ from its runs (the report splits workflows into parts). */
  partsOnly?: boolean
  /** Shown only when a budget refused or downgraded a request in the window. */
  budgetOnly?: boolean
}

const figureColumns: FigureColumn[] = [
  { header: 'calls', align: 'right', cell: (figures) => formatCount(figures.calls) },
  { header: 'refused', align: 'right', cell: (figures) => formatCount(figures.refusedRequests), budgetOnly: true },
  { header: 'downgraded', align: 'right', cell: (figures) => formatCount(figures.downgradedRequests), budgetOnly: true },
  { header: 'runs', align: 'right', cell: (figures) => formatCount(figures.runs) },
  { header: 'wf runs', align: 'right', cell: (figures) => formatCount(figures.workflowRuns), partsOnly: true },
  { header: 'input', align: 'right', cell: (figures) => formatTokens(figures.inputTokens) },
  { header: 'output', align: 'right', cell: (figures) => formatTokens(figures.outputTokens) },
  { header: 'cost', align: 'right', cell: (figures) => formatUsdShort(figures.costUsd) },
  { header: 'cost/run', align: 'right', cell: (figures) => formatUsdShort(figures.costPerRunUsd) },
  { header: 'cost/wf run', align: 'right', cell: (figures) => formatUsdShort(figures.costPerWorkflowRunUsd), partsOnly: true },
  { header: 'p50', align: 'right', cell: (figures) => formatDuration(figures.p50Ms) },
  { header: 'p95', align: 'right', cell: (figures) => formatDuration(figures.p95Ms) },
  { header: 'p99', align: 'right', cell: (figures) => formatDuration(figures.p99Ms) },
  { header: 'ttft p50', align: 'right', cell: (figures) => formatDuration(figures.ttftP50Ms) },
  { header: 'errors', align: 'right', cell: (figures) => formatPercent(figures.errorRate) },
  { header: 'retries', align: 'right', cell: (figures) => formatPercent(figures.retryRate) },
  { header: 'fallbacks', align: 'right', cell: (figures) => formatPercent(figures.fallbackRate) },
]

/** Groupings that split a workflow's runs into parts, so a part's runs are fewer than its workflow's. */
const partDimensions = new Set(['step', 'provider', 'model', 'route'])

const budgetLegend = [
  'calls are model calls (a retry or fallback is another call); refused: requests a budget blocked before any call, in no other column;',
  'downgraded: requests a budget moved to a cheaper route, their calls counted under the route they ran on',
]
const ratesLegend = 'rates are shares of calls: a retry is an attempt on the same provider/model as the attempt before it, a fallback one on another'
const partsLegend = 'runs: runs in which the row made a call (cost/run divides by them); wf runs: every run of the row\'s workflows (cost/wf run divides by them)'

/** The report as an aligned terminal table, most expensive first, with a total line; span text has its control characters escaped. */
export function formatReportTable(report: Report): string {
  // The workflow and tag keys are the user's text (from a collector, maybe another's): escaped as the cells are.
  const title = escapeControlCharacters(`switchyard report  ${formatWindow(report.window)}`
    + (report.by.length === 0 ? '' : `  by ${report.by.join(', ')}`)
    + (report.workflow === null ? '' : `  workflow ${report.workflow}`))
  if (report.total.calls === 0 && report.total.refusedRequests === 0) return `${title}\n\nno model calls in this window`
  // Columns that would only repeat a neighbour or print zeros are left out, so the table stays narrow.
  const parts = report.by.some((dimension) => partDimensions.has(dimension)) && report.rows.some((row) => row.workflowRuns !== row.runs)
  const budgets = report.total.refusedRequests > 0 || report.total.downgradedRequests > 0
  const shown = figureColumns.filter((column) => (parts || column.partsOnly !== true) && (budgets || column.budgetOnly !== true))
  const figureCells = (figures: ReportFigures): string[] => shown.map((column) => column.cell(figures))
  const groupColumns: TextColumn[] = report.by.length === 0
    ? [{ header: '', align: 'left' }]
    : report.by.map((dimension) => ({ header: dimension, align: 'left' }))
  const columns: TextColumn[] = [...groupColumns, ...shown.map(({ header, align }) => ({ header, align }))]
  const blank = (value: string): string => (value === '' ? '(none)' : value)
  const totalLabel = ['total', ...groupColumns.slice(1).map(() => '')]
  const table = report.by.length === 0
    ? renderTextTable({ columns, rows: [[...totalLabel, ...figureCells(report.total)]] })
    : renderTextTable({
      columns,
      rows: report.rows.map((row) => [...report.by.map((dimension) => blank(row.group[dimension] ?? '')), ...figureCells(row)]),
      footer: [[...totalLabel, ...figureCells(report.total)]],
    })
  const omitted = report.omittedRows === 0 ? '' : `\n(${formatCount(report.omittedRows)} more groups not shown; they are in the total: raise --limit to see them)`
  const legend = [...(budgets ? budgetLegend : []), ratesLegend, ...(parts ? [partsLegend] : [])]
  return `${title}\n\n${table}${omitted}\n\n${legend.join('\n')}`
}

/**
 * The window as `2025-03-01 17:00Z -> 2025-03-01 17:30Z`: minutes when both ends
 * fall on a whole minute, seconds (then milliseconds) when they do not or when the
 * shorter form would print both ends the same, so a short window never reads as empty.
 */
export function formatWindow(window: { from: string; to: string }): string {
  const [from, to] = [window.from, window.to].map((iso) => iso.replace('T', ' ').replace(/Z$/, '')) as [string, string]
  const minutes = (text: string): string => text.slice(0, 16)
  const seconds = (text: string): string => text.slice(0, 19)
  const wholeMinutes = [from, to].every((text) => /:00(\.000)?$/.test(text))
  const wholeSeconds = [from, to].every((text) => !/\.\d*[1-9]/.test(text))
  let shorten = seconds
  if (wholeMinutes && minutes(from) !== minutes(to)) shorten = minutes
  else if (!wholeSeconds || seconds(from) === seconds(to)) shorten = (text) => text
  return `${shorten(from)}Z -> ${shorten(to)}Z`
}
