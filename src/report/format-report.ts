import { z } from 'zod'
import { escapeJsonControlCharacters } from '../shared/escape-control-characters.js'
import { formatCriticalPathCsv, formatCriticalPathTable } from './format-critical-path.js'
import { formatReportCsv } from './format-report-csv.js'
import { formatReportTable } from './format-report-table.js'
import type { CriticalPathReport, Report } from './report-schema.js'

export const reportFormatSchema = z.enum(['table', 'json', 'csv'])
export type ReportFormat = z.infer<typeof reportFormatSchema>

/**
 * A spend report or a critical-path report in one of the output formats; text ends
 * with a newline. Each format is safe where it goes: the table escapes control
 * characters for the terminal, CSV keeps formulas from running in a spreadsheet, and
 * JSON escapes the C1 and bidi characters JSON.stringify leaves raw.
 */
export function formatReport(report: Report | CriticalPathReport, format: ReportFormat): string {
  if (format === 'json') return `${escapeJsonControlCharacters(JSON.stringify(report, null, 2))}\n`
  if (report.kind === 'critical-path') return format === 'csv' ? formatCriticalPathCsv(report) : `${formatCriticalPathTable(report)}\n`
  return format === 'csv' ? formatReportCsv(report) : `${formatReportTable(report)}\n`
}
