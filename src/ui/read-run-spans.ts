import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { runCallFiguresSql } from './run-call-figures-sql.js'

/** Spans read for one run at most; a run past it shows its first spans and says how many were left out. */
export const maxRunSpans = 2_000
/** Characters of one attribute value shown; attributes are the caller's text, possibly long. */
const maxAttributeValueLength = 2_000

const count = z.coerce.number()
const spanRowSchema = z.object({
  TraceId: z.string(),
  SpanId: z.string(),
  ParentSpanId: z.string(),
  SpanName: z.string(),
  SpanKind: z.string(),
  startNs: z.string(),
  durationNs: z.string(),
  StatusCode: z.string(),
  StatusMessage: z.string(),
  attributes: z.record(z.string(), z.string()),
  spanCount: count,
})
export type SpanRow = z.infer<typeof spanRowSchema>

const callRowSchema = z.object({
  SpanId: z.string(),
  Provider: z.string(),
  RequestModel: z.string(),
  ResponseModel: z.string(),
  Attempt: count,
  InputTokens: count,
  OutputTokens: count,
  costUsd: z.string(),
  CostSource: z.string(),
  TtftMs: z.number().nullable(),
  ErrorType: z.string(),
  BudgetAction: z.string(),
})
export type CallRow = z.infer<typeof callRowSchema>

const totalsRowSchema = z.object({
  calls: count,
  costUsd: z.string(),
  inputTokens: count,
  outputTokens: count,
  errors: count,
  retries: count,
  fallbacks: count,
})
export type RunTotalsRow = z.infer<typeof totalsRowSchema>

export interface RunSpans {
  spans: SpanRow[]
  calls: CallRow[]
  totals: RunTotalsRow | undefined
  omittedSpans: number
}

const spansQuery = `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind,
       toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
       StatusCode, substring(StatusMessage, 1, {maxValue:UInt32}) AS StatusMessage,
       mapApply((key, value) -> (key, substring(value, 1, {maxValue:UInt32})), SpanAttributes) AS attributes,
       count() OVER () AS spanCount
FROM otel_traces
WHERE SpanAttributes['switchyard.workflow.run_id'] = {runId:String}
ORDER BY Timestamp, SpanId
LIMIT {maxSpans:UInt32}`

const callsQuery = `SELECT SpanId, Provider, RequestModel, ResponseModel, Attempt, InputTokens, OutputTokens,
       toString(CostUsd) AS costUsd, CostSource, TtftMs, ErrorType, BudgetAction
FROM llm_calls
WHERE WorkflowRunId = {runId:String}
ORDER BY Timestamp
LIMIT {maxSpans:UInt32}`

/**
 * Everything stored of one run: its spans from `otel_traces` (workflow, steps, routes,
 * calls, whatever else carries its run id), its calls' typed rows from `llm_calls`
 * (cost as the store priced it) and its totals, computed in ClickHouse so the cost
 * stays exact. The run id travels as a bound parameter only.
 */
export async function readRunSpans(options: { store: Store; runId: string }): Promise<RunSpans> {
  const params = { runId: options.runId, maxSpans: maxRunSpans, maxValue: maxAttributeValueLength }
  const query = async <T>(sql: string, schema: z.ZodType<T>): Promise<T[]> => {
    const result = await options.store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
    return (await result.json<unknown>()).map((row) => schema.parse(row))
  }
  const [spans, calls, totals] = await Promise.all([
    query(spansQuery, spanRowSchema),
    query(callsQuery, callRowSchema),
    query(runCallFiguresSql('WorkflowRunId = {runId:String}'), totalsRowSchema),
  ])
  return { spans, calls, totals: totals[0], omittedSpans: Math.max(0, (spans[0]?.spanCount ?? 0) - spans.length) }
}
