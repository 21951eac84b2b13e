import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { createBudgetLedger, type BudgetLedger } from '../src/budget/budget-ledger.js'
import type { BudgetScope } from '../src/budget/budget-scope.js'
import { createSpendSource } from '../src/budget/create-spend-source.js'
import type { Reservation } from '../src/budget/reservation.js'
import { createStore } from '../src/store/create-store.js'
import { migrate } from '../src/store/migrate.js'
import { benchBudgets, matchingBenchBudgets } from './lib/bench-budgets.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { figure, type Figure } from './lib/figure.js'
import { defaultCallShape, generateCalls } from './lib/generate-calls.js'
import { round, summarizeNanoseconds, type LatencySummary } from './lib/stats.js'
import { staticSpendSource } from './lib/static-spend-source.js'

/*
 * The budget ledger's decision per call. `decide` is synchronous by contract (it
 * never waits on the store), so it is timed one call at a time with hrtime, in
 * batches with a turn of the event loop between them so background refreshes run
 * as they would in an app. Measured: decide and reserve+release (what a routed
 * call does) with 7 budgets of which 5 match; how that scales with calls in flight
 * (active reservations) and with finished calls the store has not confirmed yet;
 * and with the ledger reading a real store of two sizes.
 */

const options = benchOptions()
const quick = options.quick
const startedAt = new Date().toISOString()
const operations = quick ? 5_000 : 200_000
const batch = 1_000
const scope: BudgetScope = { workflow: 'bench', step: 'answer', provider: 'openai', model: 'gpt-4o-mini', tags: { tenant: 'acme' } }
const worstCaseUnits = 160_000_000n

/** Time `count` calls of `run` (after count/10 unrecorded ones), stopping early after `maxMs`. */
async function timeOperations(run: () => void, count = operations, maxMs = quick ? 1_000 : 20_000): Promise<LatencySummary> {
  const deadline = performance.now() + maxMs
  for (let index = 0; index < Math.min(Math.ceil(count / 10), 5_000); index++) run()
  const samples: number[] = []
  while (samples.length < count && performance.now() < deadline) {
    for (let index = 0; index < batch; index++) {
      const started = process.hrtime.bigint()
      run()
      samples.push(Number(process.hrtime.bigint() - started))
    }
    await nextTurn()
  }
  return summarizeNanoseconds(samples)
}

const figures: Figure[] = []
const details: Record<string, unknown> = {}
const target = { text: 'p99 under 100 µs', measure: 'value' as const, comparison: '<' as const, threshold: 100 }

async function withLedger<T>(source: Parameters<typeof createBudgetLedger>[0]['source'], fn: (ledger: BudgetLedger) => Promise<T>): Promise<T> {
  const ledger = createBudgetLedger({ budgets: benchBudgets(), source, maxUnconfirmedCalls: 200_000 })
  await ledger.start()
  try {
    return await fn(ledger)
  } finally {
    await ledger.close()
  }
}

// 1. The decision over full windows of buckets (the most any store returns), nothing in flight.
await withLedger(staticSpendSource(), async (ledger) => {
  const matching = ledger.decide(scope).evaluations.length
  if (matching !== matchingBenchBudgets) throw new Error(`expected ${matchingBenchBudgets} matching budgets, got ${matching}`)
  const decide = await timeOperations(() => ledger.decide(scope, { worstCaseUnits }))
  const reserve = await timeOperations(() => ledger.reserve({ scope, worstCaseUnits }).release())
  details.idle = { decide, reserveRelease: reserve }
  log(`decide: p50 ${decide.p50Us} µs, p99 ${decide.p99Us} µs; reserve+release: p50 ${reserve.p50Us} µs, p99 ${reserve.p99Us} µs`)
  figures.push(figure({ name: `decide, ${matching} of 7 budgets matching, full windows of buckets: p99`, value: decide.p99Us, unit: 'µs', baseline: { name: 'p50', value: decide.p50Us, unit: 'µs' }, target }))
  figures.push(figure({ name: 'reserve + release (per routed call): p99', value: reserve.p99Us, unit: 'µs', baseline: { name: 'p50', value: reserve.p50Us, unit: 'µs' }, target }))
})

// 2. Calls in flight: K active reservations held while one more call reserves and releases.
const inFlightLevels = quick ? [0, 32, 256] : [0, 32, 256, 1_024, 4_096]
const inFlight: Record<string, LatencySummary> = {}
await withLedger(staticSpendSource(), async (ledger) => {
  for (const level of inFlightLevels) {
    const held: Reservation[] = Array.from({ length: level }, () => ledger.reserve({ scope, worstCaseUnits }))
    inFlight[level] = await timeOperations(() => ledger.reserve({ scope, worstCaseUnits }).release(), Math.min(operations, 50_000))
    for (const reservation of held) reservation.release()
    log(`${level} calls in flight: reserve+release p50 ${inFlight[level]!.p50Us} µs, p99 ${inFlight[level]!.p99Us} µs`)
  }
})
details.inFlight = inFlight
for (const level of inFlightLevels.slice(1)) {
  figures.push(figure({
    name: `reserve + release with ${level} calls in flight: p99`,
    value: inFlight[level]!.p99Us,
    unit: 'µs',
    baseline: { name: 'none in flight', value: inFlight[0]!.p99Us },
    target,
  }))
}

// 3. Finished calls the store has not shown yet (the ledger counts them locally until it does).
const unconfirmedLevels = quick ? [0, 100, 1_000] : [0, 100, 1_000, 4_000]
const unconfirmed: Record<string, LatencySummary> = {}
// A source that never reports the spans as arrived, so the levels hold while they are timed.
await withLedger(staticSpendSource({ confirmSpans: false }), async (ledger) => {
  let settled = 0
  for (const level of unconfirmedLevels) {
    for (; settled < level; settled++) ledger.reserve({ scope, worstCaseUnits, spanId: `span-${settled}` }).settle(worstCaseUnits / 2n)
    unconfirmed[level] = await timeOperations(() => ledger.decide(scope, { worstCaseUnits }), Math.min(operations, level >= 1_000 ? 5_000 : 50_000))
    log(`${level} unconfirmed finished calls: decide p50 ${unconfirmed[level]!.p50Us} µs, p99 ${unconfirmed[level]!.p99Us} µs`)
  }
})
details.unconfirmed = unconfirmed
for (const level of unconfirmedLevels.slice(1)) {
  figures.push(figure({
    name: `decide with ${level.toLocaleString('en')} finished calls not yet in the store: p99`,
    value: unconfirmed[level]!.p99Us,
    unit: 'µs',
    baseline: { name: 'none waiting', value: unconfirmed[0]!.p99Us },
    target,
  }))
}

// 4. A real store, small and large: the decision must not depend on its size.
const storeSizes = quick ? [10_000, 50_000] : [10_000, 2_000_000]
const byStore: Record<string, unknown> = {}
for (const size of storeSizes) {
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-budget-'))
  const store = await createStore({ url: `chdb://${path.join(directory, 'store')}` })
  try {
    await migrate({ store })
    // Calls of workflow `bench`, step `answer`, tenant `acme` among the generated ones: the budgets match real spend.
    await generateCalls({ store, rows: size, into: 'llm_calls', shape: defaultCallShape(Math.floor(Date.now() / 1000)) })
    await store.client.command({ query: "INSERT INTO llm_calls (Timestamp, Workflow, Step, Provider, RequestModel, CostUsd, Tags) SELECT now64(9) - toIntervalSecond(number * 37), 'bench', 'answer', 'openai', 'gpt-4o-mini', toDecimal128('0.0002', 12), map('tenant', 'acme') FROM numbers(5000)" })
    await withLedger(createSpendSource({ store }), async (ledger) => {
      const refreshStarted = performance.now()
      await ledger.refresh()
      const refreshMs = performance.now() - refreshStarted
      const decision = ledger.decide(scope, { worstCaseUnits })
      const decide = await timeOperations(() => ledger.decide(scope, { worstCaseUnits }), Math.min(operations, 100_000))
      byStore[size] = { decide, refreshAllBudgetsMs: round(refreshMs, 1), spentUsdOfWinner: decision.summary?.spentUsd }
      log(`store of ${size.toLocaleString('en')} calls: decide p50 ${decide.p50Us} µs, p99 ${decide.p99Us} µs (refresh of all budgets ${round(refreshMs, 1)} ms)`)
    })
  } finally {
    await store.close()
    rmSync(directory, { recursive: true, force: true })
  }
}
details.byStore = byStore
const [smallSize, largeSize] = storeSizes as [number, number]
const small = (byStore[smallSize] as { decide: LatencySummary }).decide
const large = (byStore[largeSize] as { decide: LatencySummary }).decide
figures.push(figure({
  name: `decide over a store of ${largeSize.toLocaleString('en')} calls: p99`,
  value: large.p99Us,
  unit: 'µs',
  baseline: { name: `store of ${smallSize.toLocaleString('en')} calls`, value: small.p99Us },
  target,
}))

writeResult(options, {
  benchmark: 'budget-decision',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    budgets: '7 budgets (30d, 24h, 1h, calendar month in Europe/Paris, 7d; 2 not matching), 5 matching each call',
    operations,
    timing: 'hrtime around each synchronous call, batches of 1,000 with an event-loop turn between them (background refresh every 1 s runs); each level stops after its count or 20 s (quick: 4 s)',
    inFlightLevels,
    unconfirmedLevels,
    storeSizes,
  },
  figures,
  details,
  notes: [
    'Spend source for parts 1-3: answers with the buckets a store returns for full windows (about 850 for 30 days): see bench/lib/static-spend-source.ts.',
    'Part 4 reads a real chdb store through createSpendSource({ store }).',
  ],
})
process.exit(0)
