import { dimensionSql, routeSpanDimensionSql, type ReportDimension } from './report-dimension.js'
import { refusedRequestCounts } from './refused-requests-query.js'
import { callsInWindow, type ReportGroupColumn } from './report-group-column.js'
import { workflowRunCounts } from './workflow-runs-query.js'
import { isFallbackSql, isRetrySql, laterAttemptsSql } from './later-attempts-sql.js'
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

/** Exact figures only: Decimal sums printed as text, exact quantiles (linear interpolation, as R-7 / numpy). */
const figures = `count() AS calls,
        uniqExactIf(WorkflowRunId, WorkflowRunId != '') AS runs,
        sum(InputTokens) AS inputTokens,
        sum(OutputTokens) AS outputTokens,
        sum(CostUsd) AS costSum,
        toString(costSum) AS costUsd,
        quantilesExactInclusive(0.5, 0.95, 0.99)(DurationNs) AS latencyNs,
        quantileExactInclusive(0.5)(TtftMs) AS ttftP50Ms,
        countIf(ErrorType != '' OR StatusCode = 'Error') AS errors,
        uniqExactIf(tuple(TraceId, if(Route != '', ParentSpanId, SpanId)), BudgetAction = 'downgrade') AS downgradedRequests`

/**
 * Retries and fallbacks per group. Attempts share their `route` span as parent, so
 * grouping by (trace, parent, route) gathers a routed request's attempts; sorted by
 * attempt number, each later attempt is compared with the attempt before it, by the
 * rule in later-attempts-sql.ts (shared with the web view).
 *
 * Only the requests with a later attempt (2 and up) are gathered, a few percent of
 * the calls: a window function over every call of a 30-day window took over a minute
 * at 10 million calls. Matching them by parent alone is cheaper than by the whole
 * key and may let in a few more; grouping by the whole key keeps the counts exact.
 */
function laterAttemptCounts(groups: readonly ReportGroupColumn[], workflowFilter: boolean): string {
  const aliases = groups.map(({ alias }) => alias)
  const counted = aliases.map((alias) => `${alias},\n        `).join('')
  const unpacked = aliases.map((alias, index) => `,\n            tupleElement(tupleElement(laterAttempt, 1), ${index + 3}) AS ${alias}`).join('')
  const packed = aliases.map((alias) => `, ${alias}`).join('')
  const columns = groups.map(({ alias, expression }) => `,\n                    ${expression} AS ${alias}`).join('')
  const grouping = groups.length === 0 ? '' : `\n    GROUP BY ${aliases.join(', ')}`
  return `SELECT
        ${counted}countIf(${isRetrySql('Target', 'PreviousTarget')}) AS laterRetries,
        countIf(${isFallbackSql('Target', 'PreviousTarget')}) AS laterFallbacks
    FROM (
        SELECT
            tupleElement(tupleElement(laterAttempt, 1), 2) AS Target,
            tupleElement(laterAttempt, 2) AS PreviousTarget${unpacked}
        FROM (
            SELECT
                arraySort((attempt) -> tupleElement(attempt, 1), groupArray(tuple(Attempt, Target${packed}))) AS ordered,
                ${laterAttemptsSql('ordered')} AS laterAttempts
            FROM (
                SELECT
                    TraceId, ParentSpanId, Route, Attempt,
                    concat(Provider, '/', RequestModel) AS Target${columns}
                FROM llm_calls
                WHERE ${callsInWindow(workflowFilter)}
                    AND Attempt >= 1 AND ParentSpanId IN (
                        SELECT ParentSpanId
                        FROM llm_calls
                        WHERE ${callsInWindow(workflowFilter)} AND Attempt >= 2
                    )
            )
            GROUP BY TraceId, ParentSpanId, Route
        )
        ARRAY JOIN laterAttempts AS laterAttempt
    )${grouping}`
}

/**
 * The grouped report query: the figures of every call of the window, joined by
 * group with the retries and fallbacks of its later attempts, the runs of its
 * workflows, and the requests a budget refused (a group may have only those: it
 * comes in by the full join, with no calls). Values reach ClickHouse only as bound
 * parameters; grouping columns come from the fixed maps in report-dimension.ts.
 */
export function reportQuery(options: ReportQueryOptions): ReportQuery {
  const params: Record<string, string | number> = {
    fromMs: options.window.from.getTime(),
    toMs: options.window.to.getTime(),
    limit: options.limit,
  }
  const workflowFilter = options.workflow !== undefined
  if (options.workflow !== undefined) params.workflow = options.workflow
  const groups: ReportGroupColumn[] = options.by.map((dimension, index) => {
    const sql = dimensionSql(dimension, index)
    Object.assign(params, sql.params, routeSpanDimensionSql(dimension, index).params)
    return { alias: `group${index}`, expression: sql.expression, routeSpanExpression: routeSpanDimensionSql(dimension, index).expression, isTag: dimension.startsWith('tag:') }
  })
  const aliases = groups.map(({ alias }) => alias).join(', ')
  const grouped = groups.length > 0
  // Without groupings each side is one row. With them, a group without later attempts
  // has no row in the counts; ifNull keeps its 0 should a server set join_use_nulls.
  const counts = `(\n    ${laterAttemptCounts(groups, workflowFilter)}\n) AS attemptCounts`
  const refused = `(\n    ${refusedRequestCounts(groups, workflowFilter)}\n) AS refusedCounts`
  const joins = grouped
    ? `LEFT JOIN ${counts} USING (${aliases})\nLEFT JOIN (\n    ${workflowRunCounts(groups, workflowFilter)}\n) AS workflowRunCounts USING (${aliases})\nFULL OUTER JOIN ${refused} USING (${aliases})`
    : `CROSS JOIN ${counts}\nCROSS JOIN ${refused}`
  const groupColumns = groups.map(({ alias, expression }) => `${expression} AS ${alias},\n        `).join('')
  const workflowRuns = grouped ? 'ifNull(workflowRuns, 0)' : 'runs'
  return {
    query: `SELECT
    ${groups.map(({ alias }) => `${alias}, `).join('')}calls, runs, ${workflowRuns} AS workflowRuns, inputTokens, outputTokens,
    if(calls = 0, '0', costUsd) AS costText, latencyNs, if(calls = 0, NULL, ttftP50Ms) AS ttftMedianMs, errors,
    ifNull(laterRetries, 0) AS retries,
    ifNull(laterFallbacks, 0) AS fallbacks,
    ifNull(downgradedRequests, 0) AS downgradedRequests,
    ifNull(refusedRequests, 0) AS refusedRequests${grouped ? ',\n    count() OVER () AS groupCount' : ''}
FROM (
    SELECT
        ${groupColumns}${figures}
    FROM llm_calls
    WHERE ${callsInWindow(workflowFilter)}${grouped ? `\n    GROUP BY ${aliases}` : ''}
) AS calls
${joins}${grouped ? `\nORDER BY costSum DESC, calls DESC, refusedRequests DESC, ${aliases}\nLIMIT {limit:UInt32}` : ''}`,
    params,
  }
}
