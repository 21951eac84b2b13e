import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { runCallFiguresSql } from './run-call-figures-sql.js'
import { listedRunCallsCondition, runsListSql } from './runs-list-sql.js'
import type { RunsFilter } from './ui-parameters.js'

/** One run as the runs list shows it. Times in ms since the epoch; cost an exact decimal string. */
export interface RunSummary {
  runId: string
  workflow: string
  startMs: number
  durationMs: number
  /** The workflow span's status (`Error` when the workflow threw); '' for a run without one. */
  status: string
  /**
   * False for a run known only by its calls and refused requests (e.g. through
   * `switchyard gateway` with `x-switchyard-run-id`): its start is its first call's,
   * its end its last call's.
   */
  hasWorkflowSpan: boolean
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
  startText: z.string(),
  durationText: z.string(),
  status: z.string(),
  hasWorkflowSpan: count,
  calls: count,
  costUsd: z.string(),
  inputTokens: count,
  outputTokens: count,
  errors: count,
  refused: count,
  matching: count,
})
const attemptRowSchema = z.object({ WorkflowRunId: z.string(), retries: count, fallbacks: count })

/**
 * The latest runs of the window, newest first: every run id that a workflow span, a
 * model call or a refused request carries (see runsListSql), limited in ClickHouse,
 * then the retries and fallbacks of the listed runs only. Filters reach ClickHouse
 * only as bound parameters; the SQL around them is fixed text.
 */
export async function listRuns(options: { store: Store; filter: RunsFilter }): Promise<RunsList> {
  const { store, filter } = options
  const { query, params } = runsListSql(filter)
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  const rows = (await result.json<unknown>()).map((row) => runRowSchema.parse(row))
  const attempts = new Map<string, z.infer<typeof attemptRowSchema>>()
  if (rows.length > 0) {
    const figures = await store.client.query({
      query: runCallFiguresSql(listedRunCallsCondition(filter)),
      query_params: { ...params, runIds: rows.map((row) => row.runId) },
      format: 'JSONEachRow',
    })
    for (const row of (await figures.json<unknown>()).map((value) => attemptRowSchema.parse(value))) attempts.set(row.WorkflowRunId, row)
  }
  return {
    window: { name: filter.window.name, from: filter.window.from.toISOString(), to: filter.window.to.toISOString() },
    runs: rows.map((row) => ({
      runId: row.runId,
      workflow: row.workflow,
      startMs: nanosToMs(row.startText),
      durationMs: Number(row.durationText) / 1e6,
      status: row.status,
      hasWorkflowSpan: row.hasWorkflowSpan === 1,
      calls: row.calls,
      costUsd: trimUsd(row.costUsd),
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      errors: row.errors,
      retries: attempts.get(row.runId)?.retries ?? 0,
      fallbacks: attempts.get(row.runId)?.fallbacks ?? 0,
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
