import { z } from 'zod'
import { formatCriticalPathCsv, formatCriticalPathTable } from './format-critical-path.js'
import { formatReportCsv } from './format-report-csv.js'
import { formatReportTable } from './format-report-table.js'
import type { CriticalPathReport, Report } from './report-schema.js'

export const reportFormatSchema = z.enum(['table', 'json', 'csv'])
export type ReportFormat = z.infer<typeof reportFormatSchema>

/** A spend report or a critical-path report in one of the output formats; text ends with a newline. */
export function formatReport(report: Report | CriticalPathReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`
  if (report.kind === 'critical-path') return format === 'csv' ? formatCriticalPathCsv(report) : `${formatCriticalPathTable(report)}\n`
  return format === 'csv' ? formatReportCsv(report) : `${formatReportTable(report)}\n`
}
