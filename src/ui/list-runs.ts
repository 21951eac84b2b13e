import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { runCallFiguresSql } from './run-call-figures-sql.js'
import type { RunsFilter } from './ui-parameters.js'

/** One workflow run as the runs list shows it. Times in ms since the epoch; cost an exact decimal string. */
export interface RunSummary {
  runId: string
  workflow: string
  startMs: number
  durationMs: number
  /** The workflow span's status: `Error` when the workflow threw. */
  status: string
  calls: number
  costUsd: string
  inputTokens: number
  outputTokens: number
  errors: number
  retries: number
  fallbacks: number
  /** Requests a budget refused: they made no call, so they show only here. */
  refused: number
}

export interface RunsList {
  window: { name: string; from: string; to: string }
  runs: RunSummary[]
  /** Runs matching the filter past `limit`, not listed. */
  omittedRuns: number
}

const count = z.coerce.number()
const runRowSchema = z.object({
  runId: z.string(),
  workflow: z.string(),
  startNs: z.string(),
  durationNs: z.string(),
  status: z.string(),
  calls: count,
  costUsd: z.string(),
  inputTokens: count,
  outputTokens: count,
  errors: count,
  retries: count,
  fallbacks: count,
  refused: count,
  matching: count,
})

/**
 * The latest workflow runs of the window, newest first: each `invoke_workflow` span
 * with its run id, joined with its calls' figures from `llm_calls`. Filters reach
 * ClickHouse only as bound parameters; the SQL around them is fixed text.
 */
export async function listRuns(options: { store: Store; filter: RunsFilter }): Promise<RunsList> {
  const { store, filter } = options
  const params: Record<string, string | number> = {
    fromMs: filter.window.from.getTime(),
    toMs: filter.window.to.getTime(),
    limit: filter.limit,
  }
  const runConditions = [
    "SpanKind = 'Internal'",
    "startsWith(SpanName, 'invoke_workflow ')",
    'Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})',
    'Timestamp < fromUnixTimestamp64Milli({toMs:Int64})',
    "SpanAttributes['switchyard.workflow.run_id'] != ''",
  ]
  const callConditions = ['Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})', "WorkflowRunId != ''"]
  if (filter.workflow !== undefined) {
    params.workflow = filter.workflow
    runConditions.push("SpanAttributes['gen_ai.workflow.name'] = {workflow:String}")
    callConditions.push('Workflow = {workflow:String}')
  }
  if (filter.tag !== undefined) {
    params.tagAttribute = `switchyard.tag.${filter.tag.key}`
    params.tagValue = filter.tag.value
    runConditions.push('SpanAttributes[{tagAttribute:String}] = {tagValue:String}')
  }
  // Only the calls of the runs listed: the run spans are few beside their calls.
  callConditions.push(`WorkflowRunId IN (SELECT SpanAttributes['switchyard.workflow.run_id'] FROM otel_traces WHERE ${runConditions.join(' AND ')})`)
  const statusCondition = filter.status === undefined ? '' : filter.status === 'error'
    ? "\nWHERE status = 'Error' OR errors > 0 OR refused > 0"
    : "\nWHERE status != 'Error' AND errors = 0 AND refused = 0"
  const query = `SELECT runId, workflow, startNs, durationNs, status,
    ifNull(calls, 0) AS calls, ifNull(costUsd, '0') AS costUsd, ifNull(inputTokens, 0) AS inputTokens,
    ifNull(outputTokens, 0) AS outputTokens, ifNull(errors, 0) AS errors, ifNull(retries, 0) AS retries,
    ifNull(fallbacks, 0) AS fallbacks, ifNull(refused, 0) AS refused, count() OVER () AS matching
FROM (
    SELECT SpanAttributes['switchyard.workflow.run_id'] AS runId, SpanAttributes['gen_ai.workflow.name'] AS workflow,
           Timestamp, toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs, StatusCode AS status
    FROM otel_traces
    WHERE ${runConditions.join('\n      AND ')}
) AS runs
LEFT JOIN (
    ${runCallFiguresSql(callConditions.join(' AND '))}
) AS figures ON figures.WorkflowRunId = runs.runId
LEFT JOIN (
    SELECT SpanAttributes['switchyard.workflow.run_id'] AS refusedRunId, count() AS refused
    FROM otel_traces
    WHERE SpanKind = 'Internal' AND startsWith(SpanName, 'route ') AND StatusCode = 'Error'
      AND SpanAttributes['switchyard.budget.action'] = 'block'
      AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
    GROUP BY refusedRunId
) AS refusals ON refusals.refusedRunId = runs.runId${statusCondition}
ORDER BY Timestamp DESC, runId
LIMIT {limit:UInt32}`
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  const rows = (await result.json<unknown>()).map((row) => runRowSchema.parse(row))
  return {
    window: { name: filter.window.name, from: filter.window.from.toISOString(), to: filter.window.to.toISOString() },
    runs: rows.map((row) => ({
      runId: row.runId,
      workflow: row.workflow,
      startMs: nanosToMs(row.startNs),
      durationMs: Number(row.durationNs) / 1e6,
      status: row.status,
      calls: row.calls,
      costUsd: trimUsd(row.costUsd),
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      errors: row.errors,
      retries: row.retries,
      fallbacks: row.fallbacks,
      refused: row.refused,
    })),
    omittedRuns: Math.max(0, (rows[0]?.matching ?? 0) - rows.length),
  }
}

/** Epoch nanoseconds (as text) to milliseconds with microseconds kept. */
export function nanosToMs(nanos: string): number {
  const value = BigInt(nanos)
  return Number(value / 1000n) / 1000
}

/** One spelling per amount: ClickHouse may print a Decimal with its trailing zeros. */
export function trimUsd(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}
