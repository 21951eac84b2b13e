import type { Store } from '../store/create-store.js'
import { parseUsd } from '../pricing/parse-usd.js'
import { compileMatch } from './budget-match.js'
import { matchSql } from './match-sql.js'
import type { OutputTokenPercentile, SpendQuery, SpendSnapshot, SpendSource } from './spend-source.js'

/**
 * Span ids per query: a bound Array(String) parameter of ~190 KB, matched through a
 * set (`IN`). Enough for a process that finishes 10,000 matching calls between two
 * refreshes to hand all of them over at the next one.
 */
const maxSpanIds = 10_000

/** Reads spend straight from the store's rollups and `llm_calls`. */
export function createStoreSpendSource(store: Store): SpendSource {
  return {
    description: `store ${store.displayUrl}`,
    maxSpanIds,
    fetchSpend: (query) => readStoreSpend({ store, query }),
    fetchOutputTokenPercentiles: (options) => readOutputTokenPercentiles({ store, ...options }),
  }
}

interface BucketRow {
  seconds: number | string
  start: string
  cost: string
  seen: string[]
}

/**
 * One budget's spend since `fromMs` in a single statement of three parts:
 *  - minute rollups for the edges of `[from, recentFrom)`: from `from` to the start of
 *    the second whole hour after it (so the leading edge keeps minute precision while
 *    the window slides between refreshes), and the partial hour before `recentFrom`;
 *  - hour rollups for the whole hours between;
 *  - `llm_calls` from `recentFrom` on, by minute, with the ids of the waited-for spans
 *    found in that same scan.
 * Hour boundaries are computed by the server with the same `toStartOfHour` the rollup
 * views used, so the parts tile the window whatever the server's time zone. Budgets
 * matching on tags read everything from `llm_calls` (the rollups carry no tags).
 */
export async function readStoreSpend(options: { store: Store; query: SpendQuery }): Promise<SpendSnapshot> {
  const { store, query } = options
  const match = compileMatch(query.match)
  const fromSeconds = Math.floor(query.fromMs / 60_000) * 60
  const recentFromSeconds = match.hasTags ? fromSeconds : Math.max(fromSeconds, Math.floor(query.recentFromMs / 60_000) * 60)
  const params: Record<string, unknown> = {
    from: fromSeconds,
    recentFrom: recentFromSeconds,
    spanIds: query.spanIds.slice(0, maxSpanIds),
  }
  const callsMatch = matchSql({ match, table: 'calls', params, prefix: 'c' })
  const recentPart = `SELECT toUInt32(60) AS seconds, toString(toUnixTimestamp(toStartOfMinute(Timestamp))) AS start,
    toString(sumIf(CostUsd, ${callsMatch})) AS cost, groupArrayIf(SpanId, SpanId IN {spanIds:Array(String)}) AS seen
FROM llm_calls
WHERE Timestamp >= toDateTime({recentFrom:UInt32}) AND ((${callsMatch}) OR SpanId IN {spanIds:Array(String)})
GROUP BY start`
  let statement = recentPart
  if (recentFromSeconds > fromSeconds) {
    const rollupMatch = matchSql({ match, table: 'rollup', params, prefix: 'r' })
    const hourFrom = 'toStartOfHour(toDateTime({from:UInt32})) + INTERVAL 2 HOUR'
    const hourTo = 'toStartOfHour(toDateTime({recentFrom:UInt32}))'
    statement = `SELECT toUInt32(60) AS seconds, toString(toUnixTimestamp(Bucket)) AS start, toString(sum(CostUsd)) AS cost, CAST([], 'Array(String)') AS seen
FROM llm_spend_minute
WHERE Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({recentFrom:UInt32})
  AND (Bucket < ${hourFrom} OR Bucket >= ${hourTo}) AND ${rollupMatch}
GROUP BY Bucket
UNION ALL
SELECT toUInt32(3600) AS seconds, toString(toUnixTimestamp(Bucket)) AS start, toString(sum(CostUsd)) AS cost, CAST([], 'Array(String)') AS seen
FROM llm_spend_hour
WHERE Bucket >= ${hourFrom} AND Bucket < ${hourTo} AND ${rollupMatch}
GROUP BY Bucket
UNION ALL
${recentPart}`
  }
  const result = await store.client.query({ query: statement, query_params: params, format: 'JSONEachRow' })
  const rows = await result.json<BucketRow>()
  const snapshot: SpendSnapshot = { buckets: [], seenSpanIds: [] }
  for (const row of rows) {
    const units = parseUsd(row.cost)?.units
    if (units === undefined) throw new Error(`the store returned a cost that is not a decimal: ${JSON.stringify(row.cost)}`)
    if (units > 0n) snapshot.buckets.push({ startMs: Number(row.start) * 1000, durationMs: Number(row.seconds) * 1000, units })
    snapshot.seenSpanIds.push(...row.seen)
  }
  snapshot.buckets.sort((left, right) => left.startMs - right.startMs)
  return snapshot
}

interface PercentileRow {
  workflow: string
  step: string
  model: string
  tokens: string
  calls: string
}

/** p95 of output tokens of successful calls per (workflow, step, requested model) since `sinceMs`, busiest first. */
export async function readOutputTokenPercentiles(options: { store: Store; sinceMs: number; limit: number }): Promise<OutputTokenPercentile[]> {
  const result = await options.store.client.query({
    query: `SELECT Workflow AS workflow, Step AS step, RequestModel AS model,
    toString(quantileExactHigh(0.95)(OutputTokens)) AS tokens, toString(count()) AS calls
FROM llm_calls
WHERE Timestamp >= toDateTime({since:UInt32}) AND StatusCode != 'Error' AND OutputTokens > 0
GROUP BY workflow, step, model
ORDER BY count() DESC
LIMIT {limit:UInt32}`,
    query_params: { since: Math.floor(options.sinceMs / 1000), limit: options.limit },
    format: 'JSONEachRow',
  })
  const rows = await result.json<PercentileRow>()
  return rows.map((row) => ({ workflow: row.workflow, step: row.step, model: row.model, tokens: Number(row.tokens), calls: Number(row.calls) }))
}
