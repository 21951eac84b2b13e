import type { ReportGroupColumn } from './report-group-column.js'

/**
 * Requests a budget refused, per group. A refused request makes no model call, so
 * it is in neither `llm_calls` nor the calls of a report; the router records it as
 * its `route {name}` span with `switchyard.budget.action = block` (an error status,
 * no children), carrying the workflow, run, step, route and tags of the request.
 * Those spans are counted here; provider and model groupings have no value for
 * them (none was chosen), so they gather under an empty provider and model.
 */
export function refusedRequestCounts(groups: readonly ReportGroupColumn[], workflowFilter: boolean): string {
  const columns = groups.map(({ alias, routeSpanExpression }) => `${routeSpanExpression} AS ${alias},\n        `).join('')
  const workflow = workflowFilter ? "\n      AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}" : ''
  const grouping = groups.length === 0 ? '' : `\n    GROUP BY ${groups.map(({ alias }) => alias).join(', ')}`
  return `SELECT
        ${columns}count() AS refusedRequests
    FROM otel_traces
    WHERE Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
      AND SpanKind = 'Internal' AND startsWith(SpanName, 'route ')
      AND SpanAttributes['switchyard.budget.action'] = 'block'${workflow}${grouping}`
}
