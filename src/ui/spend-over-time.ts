import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { trimUsd } from './list-runs.js'
import type { UiWindow } from './ui-parameters.js'

/** Points per series: enough for a smooth line, few enough to stay small. */
const buckets = 60
/** Workflows drawn; the rest are summed into one `(other)` series. */
const maxSeries = 8

/** Spend per workflow in equal buckets of the window: `times` in ms, one exact decimal string per bucket and workflow. */
export interface SpendOverTime {
  bucketMs: number
  times: number[]
  series: { workflow: string; costUsd: string[] }[]
}

const rowSchema = z.object({ bucketMs: z.coerce.number(), workflow: z.string(), costUsd: z.string() })

/**
 * The overview's chart: spend over the window by workflow, bucketed in ClickHouse
 * (sums stay Decimal; the browser turns them into numbers only to draw). The most
 * expensive workflows get their own line.
 */
export async function spendOverTime(options: { store: Store; window: UiWindow }): Promise<SpendOverTime> {
  const fromMs = options.window.from.getTime()
  const toMs = options.window.to.getTime()
  const bucketMs = Math.max(1_000, Math.ceil((toMs - fromMs) / buckets / 1_000) * 1_000)
  const query = `WITH top AS (
    SELECT Workflow FROM llm_calls
    WHERE Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
    GROUP BY Workflow ORDER BY sum(CostUsd) DESC, Workflow LIMIT {maxSeries:UInt32}
)
SELECT intDiv(toUnixTimestamp64Milli(Timestamp) - {fromMs:Int64}, {bucketMs:Int64}) * {bucketMs:Int64} + {fromMs:Int64} AS bucketMs,
       if(Workflow IN (SELECT Workflow FROM top), Workflow, '(other)') AS workflow,
       toString(sum(CostUsd)) AS costUsd
FROM llm_calls
WHERE Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
GROUP BY bucketMs, workflow
ORDER BY bucketMs, workflow`
  const result = await options.store.client.query({ query, query_params: { fromMs, toMs, bucketMs, maxSeries }, format: 'JSONEachRow' })
  const rows = (await result.json<unknown>()).map((row) => rowSchema.parse(row))
  const times: number[] = []
  for (let time = fromMs; time < toMs; time += bucketMs) times.push(time)
  const series = new Map<string, string[]>()
  for (const row of rows) {
    const index = Math.round((row.bucketMs - fromMs) / bucketMs)
    if (index < 0 || index >= times.length) continue
    let values = series.get(row.workflow)
    if (values === undefined) {
      values = times.map(() => '0')
      series.set(row.workflow, values)
    }
    values[index] = trimUsd(row.costUsd)
  }
  return { bucketMs, times, series: [...series].map(([workflow, costUsd]) => ({ workflow, costUsd })) }
}
