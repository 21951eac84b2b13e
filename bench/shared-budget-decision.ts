import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createBudgetLedger, type BudgetLedger } from '../src/budget/budget-ledger.js'
import type { BudgetScope } from '../src/budget/budget-scope.js'
import { SharedBudgetStore } from '../src/budget/shared/shared-budget-store.js'
import { benchBudgets, matchingBenchBudgets } from './lib/bench-budgets.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { figure, type Figure } from './lib/figure.js'
import { summarizeNanoseconds, type LatencySummary } from './lib/stats.js'
import { staticSpendSource } from './lib/static-spend-source.js'

/*
 * The budget decision with shared state (issue 20): from `ledger.reserve` until its
 * `admission` resolves, i.e. the local decision plus the atomic Lua check-and-reserve
 * on a loopback redis-server this benchmark starts, while 32 calls are in flight (32
 * loops, each reserving, awaiting admission, then settling). Baseline, same run: the
 * same ledger without shared state, where the decision is the synchronous reserve.
 * Every call matches 5 budgets, so each script call checks and reserves in 5.
 */

const options = benchOptions()
const quick = options.quick
const startedAt = new Date().toISOString()
const operations = quick ? 3_000 : 60_000
const inFlight = 32
const maxMs = quick ? 4_000 : 30_000
const scope: BudgetScope = { workflow: 'bench', step: 'answer', provider: 'openai', model: 'gpt-4o-mini', tags: { tenant: 'acme' } }
const worstCaseUnits = 160_000_000n
const target = { text: 'p99 under 1 ms on loopback Redis at 32 calls in flight', measure: 'value' as const, comparison: '<' as const, threshold: 1_000 }

/** Each of `inFlight` loops: reserve, await admission (timed), settle; until `operations` decisions or `maxMs`. */
async function timeDecisions(ledger: BudgetLedger): Promise<LatencySummary> {
  const samples: number[] = []
  const deadline = performance.now() + maxMs
  const warmup = Math.ceil(operations / 10)
  let started = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (started < operations + warmup && performance.now() < deadline) {
      const index = started++
      const begin = process.hrtime.bigint()
      const reservation = ledger.reserve({ scope, worstCaseUnits })
      if (reservation.admission !== undefined) await reservation.admission
      const elapsed = Number(process.hrtime.bigint() - begin)
      if (index >= warmup) samples.push(elapsed)
      // The call "runs" for one turn of the event loop, so the others stay in flight meanwhile.
      await new Promise((resolve) => setImmediate(resolve))
      reservation.settle(worstCaseUnits / 2n)
    }
  }))
  return summarizeNanoseconds(samples)
}

async function withLedger<T>(shared: SharedBudgetStore | undefined, run: (ledger: BudgetLedger) => Promise<T>): Promise<T> {
  const ledger = createBudgetLedger({ budgets: benchBudgets(), source: staticSpendSource(), ...(shared === undefined ? {} : { shared }) })
  await ledger.start()
  try {
    return await run(ledger)
  } finally {
    await ledger.close()
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function startRedis(directory: string): Promise<{ child: ChildProcess; url: string } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], { stdio: 'ignore' })
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return { child, url: `redis://127.0.0.1:${port}` }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error('redis-server did not listen within 10 s')
}

const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-redis-'))
const figures: Figure[] = []
const details: Record<string, unknown> = {}
const notes: string[] = []
const redis = await startRedis(directory)
try {
  const local = await withLedger(undefined, timeDecisions)
  details.local = local
  log(`without shared state: decision p50 ${local.p50Us} µs, p99 ${local.p99Us} µs`)
  if (redis === undefined) {
    notes.push('redis-server is not installed (bash scripts/install-external-parts.sh redis-server): the shared figure was not measured')
    figures.push(figure({ name: `decision with shared state, ${inFlight} in flight: p99`, value: Number.NaN, unit: 'µs', target, note: 'redis-server missing' }))
  } else {
    const store = new SharedBudgetStore({ url: redis.url, onUnavailable: 'local', keyPrefix: `bench-${process.pid}:` })
    const shared = await withLedger(store, timeDecisions)
    details.shared = shared
    log(`with shared state on loopback Redis: decision p50 ${shared.p50Us} µs, p99 ${shared.p99Us} µs`)
    figures.push(figure({
      name: `decision with shared state (reserve until admitted), ${inFlight} in flight, ${matchingBenchBudgets} budgets: p99`,
      value: shared.p99Us,
      unit: 'µs',
      baseline: { name: 'same ledger without shared state', value: local.p99Us },
      target,
    }))
  }
} finally {
  redis?.child.kill('SIGKILL')
  rmSync(directory, { recursive: true, force: true })
}

writeResult(options, {
  benchmark: 'shared-budget-decision',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: { budgets: '7 budgets, 5 matching each call', operations, inFlight, timing: 'hrtime from reserve() until admission resolved, 32 concurrent loops; stops after the count or the time limit' },
  figures,
  details,
  notes,
})
