import { escapeControlCharacters } from '../shared/escape-control-characters.js'
import { formatCount, formatDuration, formatPercent, formatTokens, formatUsdShort } from './format-units.js'
import type { Report, ReportFigures } from './report-schema.js'
import { renderTextTable, type TextColumn } from './text-table.js'

const figureColumns: TextColumn[] = [
  { header: 'calls', align: 'right' },
  { header: 'runs', align: 'right' },
  { header: 'input', align: 'right' },
  { header: 'output', align: 'right' },
  { header: 'cost', align: 'right' },
  { header: 'cost/run', align: 'right' },
  { header: 'p50', align: 'right' },
  { header: 'p95', align: 'right' },
  { header: 'p99', align: 'right' },
  { header: 'ttft p50', align: 'right' },
  { header: 'errors', align: 'right' },
  { header: 'retries', align: 'right' },
  { header: 'fallbacks', align: 'right' },
]

function figureCells(figures: ReportFigures): string[] {
  return [
    formatCount(figures.calls),
    formatCount(figures.runs),
    formatTokens(figures.inputTokens),
    formatTokens(figures.outputTokens),
    formatUsdShort(figures.costUsd),
    formatUsdShort(figures.costPerRunUsd),
    formatDuration(figures.p50Ms),
    formatDuration(figures.p95Ms),
    formatDuration(figures.p99Ms),
    formatDuration(figures.ttftP50Ms),
    formatPercent(figures.errorRate),
    formatPercent(figures.retryRate),
    formatPercent(figures.fallbackRate),
  ]
}

/** The report as an aligned terminal table, most expensive first, with a total line; span text has its control characters escaped. */
export function formatReportTable(report: Report): string {
  // The workflow and tag keys are the user's text (from a collector, maybe another's): escaped as the cells are.
  const title = escapeControlCharacters(`switchyard report  ${formatWindow(report.window)}`
    + (report.by.length === 0 ? '' : `  by ${report.by.join(', ')}`)
    + (report.workflow === null ? '' : `  workflow ${report.workflow}`))
  if (report.total.calls === 0) return `${title}\n\nno model calls in this window`
  const groupColumns: TextColumn[] = report.by.length === 0
    ? [{ header: '', align: 'left' }]
    : report.by.map((dimension) => ({ header: dimension, align: 'left' }))
  const columns = [...groupColumns, ...figureColumns]
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
  return `${title}\n\n${table}${omitted}\n\nrates are shares of calls: retries are attempts >= 2 on the same provider/model, fallbacks on another one`
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
