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

/** A grouping column: its SQL over `llm_calls` and its alias in every part of the query. */
interface GroupColumn {
  alias: string
  expression: string
}

/** The calls a report covers: its window, and its workflow when one is given. */
function inWindow(workflowFilter: boolean): string {
  const workflow = workflowFilter ? ' AND Workflow = {workflow:String}' : ''
  return `Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})${workflow}`
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
        countIf(ErrorType != '' OR StatusCode = 'Error') AS errors`

/**
 * Retries and fallbacks per group. Attempts share their `route` span as parent, so
 * grouping by (trace, parent, route) gathers a routed request and finds the
 * provider/model of its attempt 1. A later attempt on the same target is a retry, on
 * another target a fallback; when attempt 1 is unknown (outside the window) the later
 * attempt counts as a retry rather than guessing a fallback.
 *
 * Only later attempts (2 and up) and the attempts 1 under the same parents are
 * gathered, a few percent of the calls: a window function over every call of a
 * 30-day window took over a minute at 10 million calls. Matching attempts 1 by parent
 * alone is cheaper than by the whole key and may let in a few more; grouping by the
 * whole key keeps the counts exact.
 */
function laterAttemptCounts(groups: readonly GroupColumn[], workflowFilter: boolean): string {
  const aliases = groups.map(({ alias }) => alias)
  const counted = aliases.map((alias) => `${alias},\n        `).join('')
  const unpacked = aliases.map((alias, index) => `,\n            tupleElement(laterAttempt, ${index + 2}) AS ${alias}`).join('')
  const packed = aliases.map((alias) => `, ${alias}`).join('')
  const columns = groups.map(({ alias, expression }) => `,\n                    ${expression} AS ${alias}`).join('')
  const grouping = groups.length === 0 ? '' : `\n    GROUP BY ${aliases.join(', ')}`
  return `SELECT
        ${counted}countIf(FirstTarget = '' OR FirstTarget = Target) AS laterRetries,
        countIf(FirstTarget != '' AND FirstTarget != Target) AS laterFallbacks
    FROM (
        SELECT
            FirstTarget,
            tupleElement(laterAttempt, 1) AS Target${unpacked}
        FROM (
            SELECT
                anyIf(Target, Attempt = 1) AS FirstTarget,
                groupArrayIf(tuple(Target${packed}), Attempt >= 2) AS laterAttempts
            FROM (
                SELECT
                    TraceId, ParentSpanId, Route, Attempt,
                    concat(Provider, '/', RequestModel) AS Target${columns}
                FROM llm_calls
                WHERE ${inWindow(workflowFilter)}
                    AND (Attempt >= 2 OR (Attempt = 1 AND ParentSpanId IN (
                        SELECT ParentSpanId
                        FROM llm_calls
                        WHERE ${inWindow(workflowFilter)} AND Attempt >= 2
                    )))
            )
            GROUP BY TraceId, ParentSpanId, Route
        )
        ARRAY JOIN laterAttempts AS laterAttempt
    )${grouping}`
}

/**
 * The grouped report query: the figures of every call of the window, joined by
 * group with the retries and fallbacks of its later attempts. Values reach
 * ClickHouse only as bound parameters; grouping columns come from the fixed map
 * in report-dimension.ts.
 */
export function reportQuery(options: ReportQueryOptions): ReportQuery {
  const params: Record<string, string | number> = {
    fromMs: options.window.from.getTime(),
    toMs: options.window.to.getTime(),
    limit: options.limit,
  }
  const workflowFilter = options.workflow !== undefined
  if (options.workflow !== undefined) params.workflow = options.workflow
  const groups: GroupColumn[] = options.by.map((dimension, index) => {
    const sql = dimensionSql(dimension, index)
    Object.assign(params, sql.params)
    return { alias: `group${index}`, expression: sql.expression }
  })
  const aliases = groups.map(({ alias }) => alias).join(', ')
  const grouped = groups.length > 0
  // Without groupings each side is one row. With them, a group without later attempts
  // has no row in the counts; ifNull keeps its 0 should a server set join_use_nulls.
  const counts = `(\n    ${laterAttemptCounts(groups, workflowFilter)}\n) AS attemptCounts`
  const join = grouped ? `LEFT JOIN ${counts} USING (${aliases})` : `CROSS JOIN ${counts}`
  const groupColumns = groups.map(({ alias, expression }) => `${expression} AS ${alias},\n        `).join('')
  return {
    query: `SELECT
    ${groups.map(({ alias }) => `${alias}, `).join('')}calls, runs, inputTokens, outputTokens, costUsd, latencyNs, ttftP50Ms, errors,
    ifNull(laterRetries, 0) AS retries,
    ifNull(laterFallbacks, 0) AS fallbacks${grouped ? ',\n    count() OVER () AS groupCount' : ''}
FROM (
    SELECT
        ${groupColumns}${figures}
    FROM llm_calls
    WHERE ${inWindow(workflowFilter)}${grouped ? `\n    GROUP BY ${aliases}` : ''}
) AS calls
${join}${grouped ? `\nORDER BY costSum DESC, calls DESC, ${aliases}\nLIMIT {limit:UInt32}` : ''}`,
    params,
  }
}
