import { dimensionSql, type ReportDimension } from './report-dimension.js'
import type { ReportWindow } from './report-window.js'

export interface ReportQueryOptions {
  window: ReportWindow
  by: readonly ReportDimension[]
  workflow?: string
  /** Most rows returned; the rest are counted in `groupCount`. */
  limit: number
}

export interface ReportQuery {
  query: string
  params: Record<string, string | number>
}

/**
 * The calls of the window, each with the provider/model of attempt 1 of its routed
 * request: attempts share their `route` span as parent, so a window over
 * (trace, parent, route) finds it. A later attempt on the same target is a retry,
 * on another target a fallback; when attempt 1 is unknown (outside the window) the
 * later attempt counts as a retry rather than guessing a fallback.
 */
function callsInWindow(workflowFilter: boolean): string {
  return `SELECT
        Workflow, Step, Provider, RequestModel, Route, Tags, WorkflowRunId, Attempt,
        InputTokens, OutputTokens, CostUsd, DurationNs, TtftMs, StatusCode, ErrorType,
        anyIf(concat(Provider, '/', RequestModel), Attempt = 1) OVER (PARTITION BY TraceId, ParentSpanId, Route) AS FirstTarget
    FROM llm_calls
    WHERE Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
      AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})${workflowFilter ? '\n      AND Workflow = {workflow:String}' : ''}`
}

/** Exact figures only: Decimal sums printed as text, exact quantiles (linear interpolation, as R-7 / numpy). */
const figures = `count() AS calls,
    uniqExactIf(WorkflowRunId, WorkflowRunId != '') AS runs,
    sum(InputTokens) AS inputTokens,
    sum(OutputTokens) AS outputTokens,
    toString(sum(CostUsd)) AS costUsd,
    quantilesExactInclusive(0.5, 0.95, 0.99)(DurationNs) AS latencyNs,
    quantileExactInclusive(0.5)(TtftMs) AS ttftP50Ms,
    countIf(ErrorType != '' OR StatusCode = 'Error') AS errors,
    countIf(Attempt >= 2 AND NOT (FirstTarget != '' AND FirstTarget != concat(Provider, '/', RequestModel))) AS retries,
    countIf(Attempt >= 2 AND FirstTarget != '' AND FirstTarget != concat(Provider, '/', RequestModel)) AS fallbacks`

/**
 * The grouped report query. Values reach ClickHouse only as bound parameters;
 * grouping columns come from the fixed map in report-dimension.ts.
 */
export function reportQuery(options: ReportQueryOptions): ReportQuery {
  const params: Record<string, string | number> = {
    fromMs: options.window.from.getTime(),
    toMs: options.window.to.getTime(),
    limit: options.limit,
  }
  if (options.workflow !== undefined) params.workflow = options.workflow
  const dimensions = options.by.map((dimension, index) => {
    const sql = dimensionSql(dimension, index)
    Object.assign(params, sql.params)
    return { alias: `group${index}`, expression: sql.expression }
  })
  const groupColumns = dimensions.map(({ alias, expression }) => `${expression} AS ${alias},\n    `).join('')
  const grouping = dimensions.length === 0
    ? ''
    : `\nGROUP BY ${dimensions.map(({ alias }) => alias).join(', ')}
ORDER BY sum(CostUsd) DESC, calls DESC, ${dimensions.map(({ alias }) => alias).join(', ')}
LIMIT {limit:UInt32}`
  const groupCount = dimensions.length === 0 ? '' : ',\n    count() OVER () AS groupCount'
  return {
    query: `SELECT
    ${groupColumns}${figures}${groupCount}
FROM (
    ${callsInWindow(options.workflow !== undefined)}
)${grouping}`,
    params,
  }
}
