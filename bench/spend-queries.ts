import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readStoreSpend } from '../src/budget/store-spend-source.js'
import { buildReport } from '../src/report/build-report.js'
import { createStore } from '../src/store/create-store.js'
import { migrate } from '../src/store/migrate.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { figure, type Figure } from './lib/figure.js'
import { defaultCallShape, generateCalls, queriedWorkflow } from './lib/generate-calls.js'
import { median, round } from './lib/stats.js'

/*
 * Spend queries over a store holding 10 million model calls (quick: 200,000):
 * the rolling 1 h / 24 h / 30 d spend of one workflow, with the exact statement the
 * budget ledger runs (rollups for the body of the window, llm_calls for its last
 * minutes), and the report's main query. Each is run once cold and then several
 * times; the figure is the median of the warm runs.
 *
 * The calls are generated straight into llm_calls with INSERT ... SELECT FROM
 * numbers(); its materialized views fill llm_spend_minute and llm_spend_hour as they
 * do in production. otel_traces stays empty: no query here reads it, and routing
 * 10 million rows through it (Map columns, skip indexes, a part per day) takes about
 * three times longer on this machine, for the same llm_calls and rollups in the end.
 */

const options = benchOptions()
const quick = options.quick
const startedAt = new Date().toISOString()
const rows = quick ? 200_000 : 10_000_000
const warmRuns = quick ? 3 : 10

const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-spend-'))
const store = await createStore({ url: `chdb://${path.join(directory, 'store')}` })
await migrate({ store })
const nowMs = Date.now()
const shape = defaultCallShape(Math.floor(nowMs / 1000))

log(`generating ${rows.toLocaleString('en')} model calls into llm_calls`)
const generateStarted = performance.now()
await generateCalls({ store, rows, into: 'llm_calls', shape, progress: (done) => log(`  ${done.toLocaleString('en')} rows`) })
const generateSeconds = (performance.now() - generateStarted) / 1000

async function scalar(query: string): Promise<Record<string, unknown>> {
  const result = await store.client.query({ query, format: 'JSONEachRow' })
  return (await result.json<Record<string, unknown>>())[0] ?? {}
}
const tables: Record<string, unknown> = {}
for (const table of ['llm_calls', 'llm_spend_minute', 'llm_spend_hour']) {
  tables[table] = await scalar(`SELECT count() AS rows, (SELECT count() FROM system.parts WHERE active AND table = '${table}') AS parts, (SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND table = '${table}') AS bytes FROM ${table}`)
}
const workflowRows = await scalar(`SELECT count() AS rows FROM llm_calls WHERE Workflow = '${queriedWorkflow}'`)

async function timed(run: () => Promise<unknown>, runs = warmRuns): Promise<{ coldMs: number; warmMs: number[]; result: unknown }> {
  let started = performance.now()
  const result = await run()
  const coldMs = performance.now() - started
  const warmMs: number[] = []
  for (let index = 0; index < runs; index++) {
    started = performance.now()
    await run()
    warmMs.push(performance.now() - started)
  }
  return { coldMs, warmMs, result }
}

const minuteMs = 60_000
const floorMinute = (ms: number): number => Math.floor(ms / minuteMs) * minuteMs
const windows = { '1h': 3_600_000, '24h': 86_400_000, '30d': 30 * 86_400_000 } as const
const figures: Figure[] = []
const details: Record<string, unknown> = { tables, workflowRows, generateSeconds: round(generateSeconds, 1) }

for (const [name, windowMs] of Object.entries(windows)) {
  const fromMs = floorMinute(nowMs - windowMs)
  // As BudgetState.spendQuery builds it with nothing waiting: the last 10 minutes from llm_calls.
  const query = { match: { workflow: queriedWorkflow }, fromMs, recentFromMs: Math.max(fromMs, floorMinute(nowMs) - 10 * minuteMs), spanIds: [] }
  const run = await timed(() => readStoreSpend({ store, query }))
  const snapshot = run.result as { buckets: { units: bigint }[] }
  const spent = snapshot.buckets.reduce((sum, bucket) => sum + bucket.units, 0n)
  details[`rolling ${name}`] = { coldMs: round(run.coldMs, 1), warmMs: run.warmMs.map((ms) => round(ms, 1)), buckets: snapshot.buckets.length, spentPicoUsd: spent.toString() }
  const warm = median(run.warmMs)
  log(`rolling ${name} spend of ${queriedWorkflow}: ${round(warm, 1)} ms (cold ${round(run.coldMs, 1)} ms, ${snapshot.buckets.length} buckets)`)
  figures.push(figure({
    name: `rolling ${name} spend of one workflow (ledger query), ${rows.toLocaleString('en')} calls`,
    value: round(warm, 1),
    unit: 'ms',
    baseline: { name: 'cold (first run)', value: round(run.coldMs, 1), unit: 'ms' },
    target: name === '30d' ? { text: 'under 50 ms', measure: 'value', comparison: '<', threshold: 50 } : undefined,
  }))
}

// The same 30 d figure read from llm_calls alone: what the rollups save.
const fromMs30d = floorMinute(nowMs - windows['30d'])
const direct = await timed(() => scalar(`SELECT toString(sum(CostUsd)) AS cost FROM llm_calls WHERE Workflow = '${queriedWorkflow}' AND Timestamp >= toDateTime(${fromMs30d / 1000})`))
details['rolling 30d from llm_calls'] = { coldMs: round(direct.coldMs, 1), warmMs: direct.warmMs.map((ms) => round(ms, 1)), result: direct.result }
figures.push(figure({
  name: 'rolling 30d spend of one workflow summed from llm_calls (no rollups)',
  value: round(median(direct.warmMs), 1),
  unit: 'ms',
}))

const reports = [
  { label: 'report --since 24h --by workflow', options: { since: '24h', by: ['workflow'] as const } },
  { label: 'report --since 30d --by workflow,step', options: { since: '30d', by: ['workflow', 'step'] as const } },
  { label: `report --since 30d --workflow ${queriedWorkflow} --by step,model`, options: { since: '30d', workflow: queriedWorkflow, by: ['step', 'model'] as const } },
]
for (const report of reports) {
  // Reports scan the window's calls themselves (seconds at 10 million): fewer repeats.
  const run = await timed(() => buildReport({ store, ...report.options, by: [...report.options.by] }), Math.min(warmRuns, 3))
  const built = run.result as { rows: unknown[]; total: { calls: number } }
  details[report.label] = { coldMs: round(run.coldMs, 1), warmMs: run.warmMs.map((ms) => round(ms, 1)), rows: built.rows.length, calls: built.total.calls }
  log(`${report.label}: ${round(median(run.warmMs), 1)} ms over ${built.total.calls} calls`)
  figures.push(figure({
    name: `${report.label} (buildReport: grouped query + total), ${rows.toLocaleString('en')} calls`,
    value: round(median(run.warmMs), 1),
    unit: 'ms',
    baseline: { name: 'cold (first run)', value: round(run.coldMs, 1), unit: 'ms' },
  }))
}

await store.close()
rmSync(directory, { recursive: true, force: true })

writeResult(options, {
  benchmark: 'spend-queries',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    rows,
    shape,
    queriedWorkflow,
    generatedInto: 'llm_calls (rollups filled by their materialized views); otel_traces left empty, see the comment at the top of bench/spend-queries.ts',
    warmRuns,
    store: 'chdb (embedded ClickHouse) in this process, parts as left by the bulk insert (no OPTIMIZE)',
  },
  figures,
  details,
  notes: ['Times are wall-clock around the whole call through @clickhouse/client (query, transfer, parsing).'],
})
process.exit(0)
