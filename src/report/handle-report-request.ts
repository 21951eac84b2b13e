import { diag } from '@opentelemetry/api'
import { errorSummary } from '../shared/error-summary.js'
import { quoteInput } from '../shared/quote-input.js'
import type { Store } from '../store/create-store.js'
import { formatReport } from './format-report.js'
import { isReportRequestError, ReportRequestError } from './report-request-error.js'
import { parseReportRequest, runReportRequest, type ReportRequest, type ReportRequestInput } from './report-request.js'
import type { CriticalPathReport, Report } from './report-schema.js'

export interface ReportResponse {
  status: number
  contentType: string
  body: string
}

export interface HandleReportRequestOptions {
  store: Store
  searchParams: URLSearchParams
  now?: Date
}

/** Query parameters of `GET /v1/report`, and the option each one is. */
const parameters = {
  since: 'since',
  from: 'from',
  to: 'to',
  by: 'by',
  workflow: 'workflow',
  format: 'format',
  critical_path: 'criticalPath',
  limit: 'limit',
} as const satisfies Record<string, keyof ReportRequestInput>

/** `by` may be repeated (`by=workflow&by=step`); a report has at most 4 groupings anyway. */
const maxByParameters = 4

const contentTypes = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  table: 'text/plain; charset=utf-8',
} as const

/** What a 503 says: the store failed, and what to do; why it failed is in the collector's log only. */
export const reportStoreFailureMessage = 'the store did not answer the report query (the collector logged why): retry later, and check the store with GET /readyz'

/**
 * `GET /v1/report` for a collector whose store is embedded (one process owns a
 * chdb directory, so `switchyard report` asks the collector instead of opening
 * it). Same options as the CLI: `since`, `from`, `to`, `by` (comma list or
 * repeated), `workflow`, `format` (json by default here), `critical_path`,
 * `limit`. Parameters are read in one pass: the first unknown or repeated one is a
 * 400 naming it, as is any bad value. A store that fails is a 503 that says so and
 * nothing of ClickHouse's message, which goes to the OTel diagnostics logger; a
 * report that cannot be written is a 500. Errors are JSON.
 */
export async function handleReportRequest(options: HandleReportRequestOptions): Promise<ReportResponse> {
  let request: ReportRequest
  try {
    request = parseReportRequest(readParameters(options.searchParams), { optionPrefix: '', now: options.now })
  } catch (error) {
    if (isReportRequestError(error)) return errorResponse(400, error.message, error.option)
    throw error
  }
  let report: Report | CriticalPathReport
  try {
    report = await runReportRequest({ store: options.store, request })
  } catch (error) {
    if (isReportRequestError(error)) return errorResponse(400, error.message, error.option)
    diag.error(`switchyard: /v1/report: the report query failed on the store ${options.store.displayUrl}: ${errorSummary(error)}`)
    return errorResponse(503, reportStoreFailureMessage)
  }
  try {
    return { status: 200, contentType: contentTypes[request.format], body: formatReport(report, request.format) }
  } catch (error) {
    diag.error(`switchyard: /v1/report: cannot write the report as ${request.format}: ${errorSummary(error)}`)
    return errorResponse(500, `the collector could not write the report as ${request.format} (it logged why): try format=json`)
  }
}

function readParameters(searchParams: URLSearchParams): ReportRequestInput {
  const input: ReportRequestInput = { format: 'json' }
  const given = new Set<string>()
  const by: string[] = []
  for (const [name, value] of searchParams) {
    if (!Object.hasOwn(parameters, name)) {
      throw new ReportRequestError(`unknown parameter ${quoteInput(name)}: use ${Object.keys(parameters).join(', ')}`, { option: name.slice(0, 40) })
    }
    const key = parameters[name as keyof typeof parameters]
    if (key === 'by') {
      if (by.length === maxByParameters) throw new ReportRequestError(`by is given more than ${maxByParameters} times; a report has at most ${maxByParameters} groupings`, { option: name })
      by.push(value)
      input.by = by
      continue
    }
    if (given.has(name)) throw new ReportRequestError(`${name} is given more than once; give it once`, { option: name })
    given.add(name)
    input[key] = value
  }
  return input
}

function errorResponse(status: number, message: string, option?: string): ReportResponse {
  return {
    status,
    contentType: contentTypes.json,
    body: `${JSON.stringify(option === undefined ? { error: message } : { error: message, option })}\n`,
  }
}
