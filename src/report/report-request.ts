import { quoteInput } from '../shared/quote-input.js'
import type { Store } from '../store/create-store.js'
import { buildReport, defaultReportLimit } from './build-report.js'
import { criticalPath } from './critical-path.js'
import { reportFormatSchema, type ReportFormat } from './format-report.js'
import { parseReportDimensions, type ReportDimension } from './report-dimension.js'
import { ReportRequestError } from './report-request-error.js'
import type { CriticalPathReport, Report } from './report-schema.js'
import { resolveReportWindow, type ReportWindow } from './report-window.js'

/** Report options as text, from CLI flags or query parameters. */
export interface ReportRequestInput {
  since?: string
  from?: string
  to?: string
  by?: string | readonly string[]
  workflow?: string
  format?: string
  criticalPath?: string
  limit?: string
}

/** A checked report request: what to compute and how to print it. */
export interface ReportRequest {
  window: ReportWindow
  by: ReportDimension[]
  workflow?: string
  format: ReportFormat
  /** Set for a critical-path report of this workflow instead of the spend report. */
  criticalPath?: string
  limit: number
}

export interface ParseReportRequestOptions {
  /** How option names read in messages: `--` for the CLI (the default), `` for query parameters. */
  optionPrefix?: string
  now?: Date
}

const maxLimit = 100_000
/** As a budget's match allows a workflow name; longer is no name a router wrote. */
const maxWorkflowLength = 256

/**
 * Checks report options once for both front doors (`switchyard report` and
 * `GET /v1/report`), with messages that name the option as the user wrote it.
 */
export function parseReportRequest(input: ReportRequestInput, options: ParseReportRequestOptions = {}): ReportRequest {
  const prefix = options.optionPrefix ?? '--'
  const format = reportFormatSchema.safeParse(input.format ?? 'table')
  if (!format.success) {
    throw new ReportRequestError(`${prefix}format must be one of ${reportFormatSchema.options.join(', ')} (got ${quoteInput(input.format ?? '')})`, { option: 'format' })
  }
  const criticalPathOption = prefix === '--' ? '--critical-path' : 'critical_path'
  checkWorkflowName(input.criticalPath, criticalPathOption, 'critical_path')
  if (input.criticalPath !== undefined && input.by !== undefined) {
    throw new ReportRequestError(`${criticalPathOption} reports one workflow's steps: leave out ${prefix}by`, { option: 'by' })
  }
  checkWorkflowName(input.workflow, `${prefix}workflow`, 'workflow')
  return {
    window: resolveReportWindow({ since: input.since, from: input.from, to: input.to, now: options.now, optionPrefix: prefix }),
    by: parseReportDimensions(input.by, `${prefix}by`),
    workflow: input.workflow,
    format: format.data,
    criticalPath: input.criticalPath,
    limit: parseLimit(input.limit, `${prefix}limit`),
  }
}

/** Runs a checked request against the store. */
export function runReportRequest(options: { store: Store; request: ReportRequest }): Promise<Report | CriticalPathReport> {
  const { store, request } = options
  const window = { from: request.window.from, to: request.window.to }
  if (request.criticalPath !== undefined) return criticalPath({ store, workflow: request.criticalPath, ...window })
  return buildReport({ store, ...window, by: request.by, workflow: request.workflow, limit: request.limit })
}

function checkWorkflowName(name: string | undefined, optionLabel: string, option: string): void {
  if (name === undefined) return
  if (name.trim() === '') throw new ReportRequestError(`${optionLabel} needs a workflow name`, { option })
  if (name.length > maxWorkflowLength) {
    throw new ReportRequestError(`${optionLabel} is ${name.length} characters long; a workflow name is at most ${maxWorkflowLength}`, { option })
  }
}

function parseLimit(text: string | undefined, optionLabel: string): number {
  if (text === undefined) return defaultReportLimit
  // Digits only: Number() would also take " 5", "0x10", "1e3" and "5.0".
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN
  if (!(limit >= 1 && limit <= maxLimit)) {
    throw new ReportRequestError(`${optionLabel} must be a whole number from 1 to ${maxLimit} (got ${quoteInput(text)})`, { option: 'limit' })
  }
  return limit
}
