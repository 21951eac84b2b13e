import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { createBudgetLedger, type BudgetLedger } from '../src/budget/budget-ledger.js'
import type { BudgetScope } from '../src/budget/budget-scope.js'
import { SharedBudgetStore } from '../src/budget/shared/shared-budget-store.js'
import { benchBudgets, matchingBenchBudgets } from './lib/bench-budgets.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { benchModel } from './lib/bench-request.js'
import { startChild } from './lib/child-process.js'
import { figure, type Figure } from './lib/figure.js'
import { runConcurrent } from './lib/load.js'
import { OpenAIWireClient } from './lib/openai-wire-client.js'
import { median, round, summarizeNanoseconds, type LatencySummary } from './lib/stats.js'
import { staticSpendSource } from './lib/static-spend-source.js'
import { switchyardGatewayHeaders, switchyardGatewayModel } from './lib/switchyard-gateway.js'
import { startUpstream } from './lib/upstream.js'

/*
 * The budget decision with shared state (issue 20): from `ledger.reserve` until its
 * `admission` resolves, i.e. the local decision plus the atomic Lua check-and-reserve
 * on a loopback redis-server this benchmark starts, while 32 calls are in flight (32
 * loops, each reserving, awaiting admission, then settling). Baseline, same run: the
 * same ledger without shared state, where the decision is the synchronous reserve.
 * Every call matches 5 budgets, so each script call checks and reserves in 5.
 * Each call "runs" for one turn of the event loop: a closed loop at saturation, so by
 * Little's law the latency is 32 / throughput. A second figure gives the calls 10-30 ms
 * each (a fast model call), where the decision is timed without that queue. Redis's
 * own INFO commandstats gives the script's time per call, which load on the machine
 * moves far less than the latency.
 *
 * Then the gateway (issue 20, "Fast"): two `switchyard gateway` processes over the same
 * loopback upstream, the same config but one with `shared: { url }`, chat at 32
 * concurrent, in alternating rounds; throughput with shared / without.
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
async function timeDecisions(ledger: BudgetLedger, callMs = 0): Promise<LatencySummary> {
  const samples: number[] = []
  const deadline = performance.now() + maxMs
  // At least 2,000: with shared state the first calls of a process are checked in Redis one by one until its headroom is granted.
  const warmup = Math.max(Math.ceil(operations / 10), 2_000)
  let started = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (started < operations + warmup && performance.now() < deadline) {
      const index = started++
      const begin = process.hrtime.bigint()
      const reservation = ledger.reserve({ scope, worstCaseUnits })
      if (reservation.admission !== undefined) await reservation.admission
      const elapsed = Number(process.hrtime.bigint() - begin)
      if (index >= warmup) samples.push(elapsed)
      // The call "runs" for one turn of the event loop (or callMs), so the others stay in flight meanwhile.
      await new Promise((resolve) => (callMs === 0 ? setImmediate(resolve) : setTimeout(resolve, callMs * (0.5 + Math.random()))))
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

/** Redis's own account of the budget script over `run`: calls and µs per call (INFO commandstats). */
async function withScriptStats<T>(url: string, run: () => Promise<T>): Promise<{ result: T; scriptCalls: number; scriptUsPerCall: number; scriptUsTotal: number }> {
  const { createClient } = await import('redis')
  const admin = createClient({ url })
  await admin.connect()
  try {
    await admin.sendCommand(['CONFIG', 'RESETSTAT'])
    const result = await run()
    const info = String(await admin.sendCommand(['INFO', 'commandstats']))
    const line = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(info)
    return { result, scriptCalls: Number(line?.[1] ?? 0), scriptUsTotal: Number(line?.[2] ?? 0), scriptUsPerCall: Number(line?.[3] ?? 0) }
  } finally {
    await admin.quit()
  }
}

/** The gateway bench's config (bench/lib/switchyard-gateway.ts), with `shared` when given a Redis. */
function gatewayConfig(upstreamUrl: string, directory: string, redisUrl: string | undefined): Record<string, unknown> {
  return {
    providers: { upstream: { type: 'openai', baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key' } },
    routes: { [switchyardGatewayModel]: { targets: [{ provider: 'upstream', model: benchModel }] } },
    budgets: [{ name: 'everything-30d', window: '30d', limitUsd: 1_000_000 }],
    store: `chdb://${path.join(directory, 'store')}`,
    gateway: { host: '127.0.0.1', port: 0 },
    ...(redisUrl === undefined ? {} : { shared: { url: redisUrl } }),
  }
}

interface BenchGateway { name: string; client: OpenAIWireClient; throughputs: number[]; errors: number; firstError?: string; close(): Promise<void> }

async function startBenchGateway(name: string, upstreamUrl: string, redisUrl: string | undefined): Promise<BenchGateway> {
  const gatewayDirectory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-shared-gateway-'))
  const configFile = path.join(gatewayDirectory, 'switchyard.config.json')
  writeFileSync(configFile, `${JSON.stringify(gatewayConfig(upstreamUrl, gatewayDirectory, redisUrl), null, 2)}\n`)
  const child = await startChild<{ url: string }>({ script: 'bench/lib/switchyard-gateway-process.ts', args: [configFile], readyTimeoutMs: 120_000 })
  const client = new OpenAIWireClient({ url: child.ready.url, model: switchyardGatewayModel, headers: switchyardGatewayHeaders, connections: inFlight })
  return {
    name,
    client,
    throughputs: [],
    errors: 0,
    async close() {
      await client.close()
      await child.close(60_000)
      rmSync(gatewayDirectory, { recursive: true, force: true })
    },
  }
}

/** Chat at 32 concurrent through each gateway, in alternating rounds (order rotated), after a warm-up of each. */
async function compareGateways(redisUrl: string): Promise<{ local: BenchGateway; shared: BenchGateway }> {
  const upstream = await startUpstream({ streamChunks: 8 })
  const gateways: BenchGateway[] = []
  try {
    gateways.push(await startBenchGateway('without shared', upstream.url, undefined))
    gateways.push(await startBenchGateway('with shared', upstream.url, redisUrl))
    const rounds = quick ? 2 : 5
    const count = quick ? 1_500 : 8_000
    for (const gateway of gateways) await runConcurrent({ concurrency: inFlight, count: Math.ceil(count / 4), maxMs: 10_000, call: () => gateway.client.chat() })
    for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
      const order = roundIndex % 2 === 0 ? gateways : [...gateways].reverse()
      for (const gateway of order) {
        const run = await runConcurrent({ concurrency: inFlight, count, maxMs: quick ? 10_000 : 60_000, call: () => gateway.client.chat() })
        gateway.throughputs.push(run.perSecond)
        gateway.errors += run.errors
        gateway.firstError ??= run.firstError
        log(`gateway round ${roundIndex + 1}: ${gateway.name}: ${round(run.perSecond, 0)} calls/s at ${inFlight} concurrent${run.errors > 0 ? `, ${run.errors} errors` : ''}`)
      }
    }
    return { local: gateways[0]!, shared: gateways[1]! }
  } finally {
    for (const gateway of gateways) await gateway.close()
    await upstream.close()
  }
}

const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-redis-'))
const figures: Figure[] = []
const details: Record<string, unknown> = {}
const notes: string[] = []
const redis = await startRedis(directory)
try {
  const local = await withLedger(undefined, (ledger) => timeDecisions(ledger))
  details.local = local
  log(`without shared state: decision p50 ${local.p50Us} µs, p99 ${local.p99Us} µs`)
  if (redis === undefined) {
    notes.push('redis-server is not installed (bash scripts/install-external-parts.sh redis-server): the shared figure was not measured')
    figures.push(figure({ name: `decision with shared state, ${inFlight} in flight: p99`, value: Number.NaN, unit: 'µs', target, note: 'redis-server missing' }))
  } else {
    const store = new SharedBudgetStore({ url: redis.url, onUnavailable: 'local', keyPrefix: `bench-${process.pid}:` })
    const measured = await withScriptStats(redis.url, () => withLedger(store, (ledger) => timeDecisions(ledger)))
    const shared = measured.result
    const decisions = shared.count
    const fromHeadroom = round(store.admittedFromGrant / decisions)
    details.shared = { ...shared, scriptCalls: measured.scriptCalls, scriptUsPerCall: measured.scriptUsPerCall, redisUsPerDecision: round(measured.scriptUsTotal / decisions), fromHeadroom }
    log(`with shared state on loopback Redis: decision p50 ${shared.p50Us} µs, p99 ${shared.p99Us} µs; `
      + `${measured.scriptCalls} script calls, ${measured.scriptUsPerCall} µs each in Redis, ${round(measured.scriptUsTotal / decisions)} µs of Redis per decision; `
      + `${store.admittedFromGrant} calls (${fromHeadroom} of the timed decisions' count, warm-up included) admitted from this process's headroom`)
    figures.push(figure({
      name: `decision with shared state (reserve until admitted), ${inFlight} in flight, ${matchingBenchBudgets} budgets: p99`,
      value: shared.p99Us,
      unit: 'µs',
      baseline: { name: 'same ledger without shared state', value: local.p99Us },
      target,
      note: 'closed loop of calls that last one event-loop turn: the latency is 32 / throughput (Little\'s law)',
    }))
    figures.push(figure({ name: 'Redis time of the budget script per decision (INFO commandstats)', value: round(measured.scriptUsTotal / decisions), unit: 'µs' }))
    const paced = await withLedger(new SharedBudgetStore({ url: redis.url, onUnavailable: 'local', keyPrefix: `bench-paced-${process.pid}:` }), (ledger) => timeDecisions(ledger, 20))
    details.sharedCalls20ms = paced
    log(`with shared state, calls of 10-30 ms: decision p50 ${paced.p50Us} µs, p99 ${paced.p99Us} µs`)
    figures.push(figure({ name: `decision with shared state, ${inFlight} in flight, calls of 10-30 ms: p99`, value: paced.p99Us, unit: 'µs' }))

    const gateways = await compareGateways(redis.url)
    const withShared = median(gateways.shared.throughputs)
    const without = median(gateways.local.throughputs)
    // Each round runs both back to back: the ratio within a round is steadier than the ratio of medians on a shared machine.
    const roundRatios = gateways.shared.throughputs.map((value, index) => value / gateways.local.throughputs[index]!)
    details.gateway = {
      withShared: gateways.shared.throughputs.map((value) => round(value, 0)),
      without: gateways.local.throughputs.map((value) => round(value, 0)),
      roundRatios: roundRatios.map((value) => round(value)),
    }
    const errors = gateways.shared.errors + gateways.local.errors
    figures.push(figure({
      name: `gateway throughput with shared state (chat, ${inFlight} concurrent, median of rounds)`,
      value: round(withShared, 0),
      unit: 'calls/s',
      baseline: { name: 'same gateway config without shared', value: round(without, 0) },
      ratio: round(median(roundRatios)),
      target: { text: 'gateway throughput with shared state >= 0.8 of without (median of the rounds\' ratios)', measure: 'ratio', comparison: '>=', threshold: 0.8 },
      ...(errors > 0 ? { note: `${errors} calls failed: ${gateways.shared.firstError ?? gateways.local.firstError}` } : {}),
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
  conditions: {
    budgets: '7 budgets, 5 matching each call',
    operations,
    inFlight,
    timing: 'hrtime from reserve() until admission resolved, 32 concurrent loops; stops after the count or the time limit',
    gateway: 'two gateway processes, same config (one budget, chdb store), one with shared: { url }; chat at 32 concurrent through undici, rounds alternating',
    loadAverage: os.loadavg()[0],
  },
  figures,
  details,
  notes,
})
