/** A grouping column of the report query: its alias in every part of the query, and its SQL over each source. */
export interface ReportGroupColumn {
  alias: string
  /** Over `llm_calls`. */
  expression: string
  /** Over `route {name}` spans in `otel_traces` (see routeSpanDimensionSql). */
  routeSpanExpression: string
  /** A tag grouping: a property of a run as much as of a call, so it is part of a run's key. */
  isTag: boolean
}

/** The calls a report covers: its window, and its workflow when one is given. */
export function callsInWindow(workflowFilter: boolean): string {
  const workflow = workflowFilter ? ' AND Workflow = {workflow:String}' : ''
  return `Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})${workflow}`
}
