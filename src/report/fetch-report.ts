import { z } from 'zod'
import type { ReportRequest } from './report-request.js'
import { ReportFetchError } from './report-fetch-error.js'
import { criticalPathReportSchema, reportSchema, type CriticalPathReport, type Report } from './report-schema.js'

export interface FetchReportOptions {
  /** The collector's base URL, e.g. `http://127.0.0.1:4318`. */
  collectorUrl: string
  request: ReportRequest
  /** The collector's bearer token, sent as `Authorization: Bearer`; needed when the collector has one. */
  token?: string
  timeoutMs?: number
}

const errorBodySchema = z.object({ error: z.string() })
const answerSchema = z.discriminatedUnion('kind', [reportSchema, criticalPathReportSchema])

/**
 * Asks a running collector for a report (`GET /v1/report`, JSON) when its store
 * is embedded and so cannot be opened by a second process. The window is sent as
 * absolute times, so the answer covers exactly what was asked.
 */
export async function fetchReport(options: FetchReportOptions): Promise<Report | CriticalPathReport> {
  const { request } = options
  const url = new URL('/v1/report', options.collectorUrl)
  url.searchParams.set('from', request.window.from.toISOString())
  url.searchParams.set('to', request.window.to.toISOString())
  url.searchParams.set('format', 'json')
  url.searchParams.set('limit', String(request.limit))
  if (request.by.length > 0) url.searchParams.set('by', request.by.join(','))
  if (request.workflow !== undefined) url.searchParams.set('workflow', request.workflow)
  if (request.criticalPath !== undefined) url.searchParams.set('critical_path', request.criticalPath)
  const where = `${url.origin}/v1/report`
  let response: Response
  try {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000), headers })
  } catch (error) {
    throw new ReportFetchError(`cannot reach the collector at ${where}: ${error instanceof Error ? error.message : String(error)} (is \`switchyard collector\` running there?)`, { cause: error })
  }
  const text = await response.text()
  if (response.status === 404) {
    throw new ReportFetchError(`the collector at ${url.origin} has no report endpoint (404): upgrade it, or stop it and use --store`, { status: 404 })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ReportFetchError(`the collector at ${where} answered ${response.status} with a body that is not JSON`, { status: response.status })
  }
  if (!response.ok) {
    const message = errorBodySchema.safeParse(body)
    throw new ReportFetchError(`the collector at ${where} answered ${response.status}: ${message.success ? message.data.error : text.slice(0, 200)}`, { status: response.status })
  }
  const parsed = answerSchema.safeParse(body)
  if (!parsed.success) throw new ReportFetchError(`the collector at ${where} answered with an unexpected report: ${z.prettifyError(parsed.error)}`, { status: response.status })
  return parsed.data
}
