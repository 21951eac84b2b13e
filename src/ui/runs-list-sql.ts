import type { RunsFilter } from './ui-parameters.js'

export interface RunsListSql {
  query: string
  params: Record<string, string | number>
}

/**
 * The runs list as one ClickHouse query: one row per run id, newest first, limited
 * in ClickHouse (`ORDER BY runStartNs DESC LIMIT {limit:UInt32}`), so the server
 * never holds more than the page. A run is whatever carries its run id:
 *
 * - its `invoke_workflow` span, when the run went through workflow() (it gives the
 *   run its start, duration, workflow name and status);
 * - its model calls in `llm_calls` (calls through `switchyard gateway` with
 *   `x-switchyard-run-id` have no workflow span: their first start and last end are
 *   the run's);
 * - its refused requests: `route` spans a budget blocked (no call, so only there).
 *
 * Each source is summed per run before the union, so the outer grouping works on
 * a few rows per run. Retries and fallbacks need each request's attempts in order,
 * the costly part: they are counted afterwards for the listed runs only
 * (runCallFiguresSql). Every value is a bound parameter; the SQL is fixed text.
 */
export function runsListSql(filter: RunsFilter): RunsListSql {
  const params: Record<string, string | number> = {
    fromMs: filter.window.from.getTime(),
    toMs: filter.window.to.getTime(),
    limit: filter.limit,
  }
  const since = 'Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})'
  let spanWorkflow = ''
  let callWorkflow = ''
  if (filter.workflow !== undefined) {
    params.workflow = filter.workflow
    spanWorkflow = " AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}"
    callWorkflow = ' AND Workflow = {workflow:String}'
  }
  let spanTag = 'toUInt8(1)'
  let callTag = 'toUInt8(1)'
  if (filter.tag !== undefined) {
    params.tagKey = filter.tag.key
    params.tagAttribute = `switchyard.tag.${filter.tag.key}`
    params.tagValue = filter.tag.value
    spanTag = 'toUInt8(SpanAttributes[{tagAttribute:String}] = {tagValue:String})'
    callTag = 'toUInt8(Tags[{tagKey:String}] = {tagValue:String})'
  }
  const having = ['runStartNs >= {fromMs:Int64} * 1000000', 'runStartNs < {toMs:Int64} * 1000000']
  if (filter.tag !== undefined) having.push('tagMatch = 1')
  if (filter.status === 'error') having.push("(status = 'Error' OR errors > 0 OR refused > 0)")
  if (filter.status === 'ok') having.push("status != 'Error' AND errors = 0 AND refused = 0")
  const query = `SELECT runId, workflow, toString(runStartNs) AS startText, toString(runEndNs - runStartNs) AS durationText,
    status, hasWorkflowSpan, calls, toString(costSum) AS costUsd, inputTokens, outputTokens, errors, refused,
    count() OVER () AS matching
FROM (
    SELECT runId,
        max(isWorkflowSpan) AS hasWorkflowSpan,
        if(hasWorkflowSpan = 1, minIf(sourceStartNs, isWorkflowSpan = 1), min(sourceStartNs)) AS runStartNs,
        if(hasWorkflowSpan = 1, maxIf(sourceEndNs, isWorkflowSpan = 1), max(sourceEndNs)) AS runEndNs,
        if(hasWorkflowSpan = 1, anyIf(sourceWorkflow, isWorkflowSpan = 1), anyIf(sourceWorkflow, sourceWorkflow != '')) AS workflow,
        anyIf(sourceStatus, isWorkflowSpan = 1) AS status,
        sum(sourceCalls) AS calls, sum(sourceCost) AS costSum,
        sum(sourceInputTokens) AS inputTokens, sum(sourceOutputTokens) AS outputTokens,
        sum(sourceErrors) AS errors, sum(sourceRefused) AS refused, max(sourceTagMatch) AS tagMatch
    FROM (
        SELECT SpanAttributes['switchyard.workflow.run_id'] AS runId, toUInt8(1) AS isWorkflowSpan,
            toUnixTimestamp64Nano(Timestamp) AS sourceStartNs, sourceStartNs + toInt64(Duration) AS sourceEndNs,
            SpanAttributes['gen_ai.workflow.name'] AS sourceWorkflow, toString(StatusCode) AS sourceStatus,
            toUInt64(0) AS sourceCalls, toDecimal128(0, 12) AS sourceCost, toUInt64(0) AS sourceInputTokens,
            toUInt64(0) AS sourceOutputTokens, toUInt64(0) AS sourceErrors, toUInt64(0) AS sourceRefused, ${spanTag} AS sourceTagMatch
        FROM otel_traces
        WHERE SpanKind = 'Internal' AND startsWith(SpanName, 'invoke_workflow ')
          AND ${since} AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
          AND SpanAttributes['switchyard.workflow.run_id'] != ''${spanWorkflow}
        UNION ALL
        SELECT WorkflowRunId AS runId, toUInt8(0) AS isWorkflowSpan,
            min(toUnixTimestamp64Nano(Timestamp)) AS sourceStartNs, max(toUnixTimestamp64Nano(Timestamp) + toInt64(DurationNs)) AS sourceEndNs,
            toString(anyIf(Workflow, Workflow != '')) AS sourceWorkflow, '' AS sourceStatus,
            count() AS sourceCalls, sum(CostUsd) AS sourceCost, sum(InputTokens) AS sourceInputTokens,
            sum(OutputTokens) AS sourceOutputTokens, countIf(ErrorType != '' OR StatusCode = 'Error') AS sourceErrors,
            toUInt64(0) AS sourceRefused, max(${callTag}) AS sourceTagMatch
        FROM llm_calls
        WHERE ${since} AND WorkflowRunId != ''${callWorkflow}
        GROUP BY WorkflowRunId
        UNION ALL
        SELECT SpanAttributes['switchyard.workflow.run_id'] AS runId, toUInt8(0) AS isWorkflowSpan,
            min(toUnixTimestamp64Nano(Timestamp)) AS sourceStartNs, max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS sourceEndNs,
            anyIf(SpanAttributes['gen_ai.workflow.name'], SpanAttributes['gen_ai.workflow.name'] != '') AS sourceWorkflow, '' AS sourceStatus,
            toUInt64(0) AS sourceCalls, toDecimal128(0, 12) AS sourceCost, toUInt64(0) AS sourceInputTokens,
            toUInt64(0) AS sourceOutputTokens, toUInt64(0) AS sourceErrors, count() AS sourceRefused, max(${spanTag}) AS sourceTagMatch
        FROM otel_traces
        WHERE SpanKind = 'Internal' AND startsWith(SpanName, 'route ')
          AND SpanAttributes['switchyard.budget.action'] = 'block'
          AND ${since} AND SpanAttributes['switchyard.workflow.run_id'] != ''${spanWorkflow}
        GROUP BY runId
    )
    GROUP BY runId
    HAVING ${having.join('\n       AND ')}
)
ORDER BY runStartNs DESC, runId
LIMIT {limit:UInt32}`
  return { query, params }
}

/** The per-run calls condition of the retries and fallbacks of the listed runs (`{runIds:Array(String)}`). */
export function listedRunCallsCondition(filter: RunsFilter): string {
  const conditions = ['Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})', 'WorkflowRunId IN {runIds:Array(String)}']
  if (filter.workflow !== undefined) conditions.push('Workflow = {workflow:String}')
  return conditions.join(' AND ')
}
