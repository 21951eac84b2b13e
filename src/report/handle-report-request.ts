import type { Store } from '../store/create-store.js'
import { formatReport } from './format-report.js'
import { isReportRequestError, ReportRequestError } from './report-request-error.js'
import { parseReportRequest, runReportRequest, type ReportRequestInput } from './report-request.js'

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

const contentTypes = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  table: 'text/plain; charset=utf-8',
} as const

/**
 * `GET /v1/report` for a collector whose store is embedded (one process owns a
 * chdb directory, so `switchyard report` asks the collector instead of opening
 * it). Same options as the CLI: `since`, `from`, `to`, `by` (comma list or
 * repeated), `workflow`, `format` (json by default here), `critical_path`,
 * `limit`. A bad option is a 400 naming it; a store failure a 500; errors are JSON.
 */
export async function handleReportRequest(options: HandleReportRequestOptions): Promise<ReportResponse> {
  try {
    const input: ReportRequestInput = { format: 'json' }
    for (const name of new Set(options.searchParams.keys())) {
      if (!(name in parameters)) {
        throw new ReportRequestError(`unknown parameter ${JSON.stringify(name)}: use ${Object.keys(parameters).join(', ')}`, { option: name })
      }
      const key = parameters[name as keyof typeof parameters]
      const values = options.searchParams.getAll(name)
      if (key === 'by') input.by = values
      else if (values.length > 1) throw new ReportRequestError(`${name} is given ${values.length} times`, { option: name })
      else input[key] = values[0]
    }
    const request = parseReportRequest(input, { optionPrefix: '', now: options.now })
    const report = await runReportRequest({ store: options.store, request })
    return { status: 200, contentType: contentTypes[request.format], body: formatReport(report, request.format) }
  } catch (error) {
    if (isReportRequestError(error)) return errorResponse(400, error.message, error.option)
    return errorResponse(500, `the report query failed on the store: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function errorResponse(status: number, message: string, option?: string): ReportResponse {
  return {
    status,
    contentType: contentTypes.json,
    body: `${JSON.stringify(option === undefined ? { error: message } : { error: message, option })}\n`,
  }
}
