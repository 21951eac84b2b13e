import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { divideUsd } from './divide-usd.js'
import type { ReportDimension } from './report-dimension.js'
import { reportQuery } from './report-query.js'
import type { Report, ReportFigures, ReportRow } from './report-schema.js'
import { resolveReportWindow, type ReportWindow } from './report-window.js'

export interface BuildReportOptions {
  store: Store
  /** A duration back from now (`24h`); or give `from` (and `to`). Default: the last 24 hours. */
  since?: string
  from?: string | Date
  to?: string | Date
  /** Groupings, outermost first; none gives one row for the whole window. */
  by?: readonly ReportDimension[]
  /** Only the calls of this workflow. */
  workflow?: string
  /** Most rows; the rest are counted in `omittedRows`. Default 1000. */
  limit?: number
  now?: Date
}

export const defaultReportLimit = 1_000

// The embedded engine prints 64-bit integers as JSON numbers, a server quotes
// them: coerce both. NaN quantiles of an empty set arrive as null.
const count = z.coerce.number()
const figuresRowSchema = z.object({
  calls: count,
  runs: count,
  workflowRuns: count,
  inputTokens: count,
  outputTokens: count,
  costText: z.string(),
  latencyNs: z.array(z.number().nullable()),
  ttftMedianMs: z.number().nullable(),
  errors: count,
  retries: count,
  fallbacks: count,
  downgradedRequests: count,
  refusedRequests: count,
  groupCount: count.optional(),
}).catchall(z.unknown())
type FiguresRow = z.infer<typeof figuresRowSchema>

/**
 * Spend and latency of the model calls in a window, grouped by workflow, step,
 * provider, model, route or a user tag, most expensive first, with a total over
 * the whole window (distinct runs are counted there, not summed from the rows).
 * Reads `llm_calls` directly, and the `route` spans of requests a budget refused
 * from `otel_traces` (they made no call); cost stays exact from the Decimal column
 * to the decimal strings of the result.
 */
export async function buildReport(options: BuildReportOptions): Promise<Report> {
  const window = resolveReportWindow({ since: options.since, from: options.from, to: options.to, now: options.now })
  const by = options.by ?? []
  const limit = options.limit ?? defaultReportLimit
  const [groupRows, totalRows] = await Promise.all([
    by.length === 0 ? Promise.resolve([]) : runFiguresQuery(options.store, { window, by, workflow: options.workflow, limit }),
    runFiguresQuery(options.store, { window, by: [], workflow: options.workflow, limit }),
  ])
  const total = totalRows[0]
  const rows: ReportRow[] = groupRows.map((row) => ({
    group: Object.fromEntries(by.map((dimension, index) => [dimension, String(row[`group${index}`] ?? '')])),
    ...toFigures(row),
  }))
  return {
    kind: 'report',
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    by: [...by],
    workflow: options.workflow ?? null,
    rows,
    omittedRows: Math.max(0, (groupRows[0]?.groupCount ?? 0) - rows.length),
    total: total === undefined ? emptyFigures() : toFigures(total),
  }
}

async function runFiguresQuery(store: Store, options: { window: ReportWindow; by: readonly ReportDimension[]; workflow?: string; limit: number }): Promise<FiguresRow[]> {
  const { query, params } = reportQuery(options)
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  const rows = await result.json<unknown>()
  return rows.map((row) => figuresRowSchema.parse(row))
}

function toFigures(row: FiguresRow): ReportFigures {
  const calls = row.calls
  const rate = (part: number): number => (calls === 0 ? 0 : part / calls)
  const [p50, p95, p99] = row.latencyNs
  return {
    calls,
    refusedRequests: row.refusedRequests,
    downgradedRequests: row.downgradedRequests,
    runs: row.runs,
    workflowRuns: row.workflowRuns,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    costUsd: normalizeUsd(row.costText),
    costPerRunUsd: row.runs === 0 ? null : divideUsd(row.costText, row.runs),
    costPerWorkflowRunUsd: row.workflowRuns === 0 ? null : divideUsd(row.costText, row.workflowRuns),
    p50Ms: nanosToMs(p50),
    p95Ms: nanosToMs(p95),
    p99Ms: nanosToMs(p99),
    ttftP50Ms: row.ttftMedianMs === null || !Number.isFinite(row.ttftMedianMs) ? null : roundMs(row.ttftMedianMs),
    errorRate: rate(row.errors),
    retryRate: rate(row.retries),
    fallbackRate: rate(row.fallbacks),
  }
}

function emptyFigures(): ReportFigures {
  return {
    calls: 0, refusedRequests: 0, downgradedRequests: 0, runs: 0, workflowRuns: 0, inputTokens: 0, outputTokens: 0,
    costUsd: '0', costPerRunUsd: null, costPerWorkflowRunUsd: null,
    p50Ms: null, p95Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: 0, retryRate: 0, fallbackRate: 0,
  }
}

function nanosToMs(nanos: number | null | undefined): number | null {
  return nanos === null || nanos === undefined || !Number.isFinite(nanos) ? null : roundMs(nanos / 1e6)
}

/** Microsecond precision: exact quantiles interpolate, and float noise past it means nothing. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

function normalizeUsd(text: string): string {
  // ClickHouse may keep trailing zeros of the Decimal scale; one spelling per amount.
  return divideUsd(text, 1)
}
