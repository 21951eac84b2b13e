import type OpenAI from 'openai'
import type { Telemetry } from '../src/telemetry/start-telemetry.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { startBenchTelemetry, type TelemetryMode } from './lib/bench-telemetry.js'
import { startCollectorProcess } from './lib/collector.js'
import { figure, type Figure } from './lib/figure.js'
import { runConcurrent, runSequential } from './lib/load.js'
import { createOpenAIClient, openaiChat, openaiStream } from './lib/openai-client.js'
import { RawClient } from './lib/raw-client.js'
import { createBenchRouter, inBenchWorkflow, type BenchRouter } from './lib/router-client.js'
import { round, summarizeNanoseconds, median, type LatencySummary } from './lib/stats.js'
import { startUpstream } from './lib/upstream.js'
import type { UpstreamTiming } from './lib/upstream-server.js'

/*
 * Router overhead: router.chat() / router.stream() with routing, pricing, budgets
 * and telemetry on, against a raw undici request + JSON parse to the same loopback
 * upstream, in the same process and the same rounds (variants interleaved, order
 * rotated each round). The router is also run with less telemetry, to tell how much
 * of its cost is span export, and the bare openai SDK is run beside it.
 */

const options = benchOptions()
const startedAt = new Date().toISOString()

type Kind = 'chat' | 'stream'
interface Variant {
  name: string
  client: 'raw' | 'openai' | 'router'
  telemetry: TelemetryMode
  budgets?: boolean
}

const quick = options.quick
const allVariants: Variant[] = [
  { name: 'raw undici', client: 'raw', telemetry: 'none' },
  { name: 'openai SDK', client: 'openai', telemetry: 'none' },
  { name: 'router, no OTel SDK', client: 'router', telemetry: 'none', budgets: true },
  { name: 'router, spans discarded', client: 'router', telemetry: 'discard', budgets: true },
  { name: 'router, OTLP to null sink', client: 'router', telemetry: 'sink', budgets: true },
  { name: 'router, everything on', client: 'router', telemetry: 'collector', budgets: true },
  { name: 'router, everything on but budgets', client: 'router', telemetry: 'collector', budgets: false },
]
const quickVariants = ['raw undici', 'openai SDK', 'router, everything on', 'router, everything on but budgets']
const variants = quick ? allVariants.filter((variant) => quickVariants.includes(variant.name)) : allVariants
const delayedVariants = variants.filter((variant) => ['raw undici', 'openai SDK', 'router, everything on'].includes(variant.name))

interface Scenario {
  name: string
  kind: Kind
  timing: UpstreamTiming
  variants: Variant[]
  rounds: number
  warmup: number
  sequential: number
  concurrent: number
}

const zero: UpstreamTiming = { delayMs: 0, interEventMs: 0 }
const delayed: UpstreamTiming = { delayMs: 40, interEventMs: 2 }
const scenarios: Scenario[] = [
  { name: 'chat, zero delay', kind: 'chat', timing: zero, variants, rounds: quick ? 1 : 3, warmup: quick ? 300 : 2000, sequential: quick ? 300 : 3000, concurrent: quick ? 1000 : 15000 },
  { name: 'stream, zero delay', kind: 'stream', timing: zero, variants, rounds: quick ? 1 : 3, warmup: quick ? 100 : 1000, sequential: quick ? 100 : 1500, concurrent: quick ? 400 : 8000 },
  // The delayed runs only in full mode: at 40 ms a call, a smoke run has no time for them.
  ...(quick ? [] : [
    { name: 'chat, 40 ms upstream', kind: 'chat' as const, timing: delayed, variants: delayedVariants, rounds: 1, warmup: 20, sequential: 150, concurrent: 3200 },
    { name: 'stream, 40 ms + 2 ms/event upstream', kind: 'stream' as const, timing: delayed, variants: delayedVariants, rounds: 1, warmup: 10, sequential: 60, concurrent: 1600 },
  ]),
]
const streamChunks = 32
const concurrency = 32

log('starting the upstream and the collector (fsync always)')
const upstream = await startUpstream({ streamChunks })
const collector = await startCollectorProcess({ fsync: 'always' })
const raw = new RawClient(upstream.url)
const openai: OpenAI = createOpenAIClient(upstream.url)
/** A fresh router (and budget ledger) for each timed run, so no run inherits the last one's ledger state. */
let bench: BenchRouter | undefined
const ledgerStats: Record<string, unknown>[] = []
async function useRouter(variant: Variant): Promise<void> {
  if (bench !== undefined) {
    const stats = bench.router.budgets?.stats()
    if (stats !== undefined) ledgerStats.push({ unconfirmedCalls: stats.unconfirmedCalls, activeReservations: stats.activeReservations, refreshes: stats.refreshes })
    await bench.close()
    bench = undefined
  }
  if (variant.client === 'router') bench = await createBenchRouter(upstream.url, { budgets: variant.budgets !== false })
}

let telemetry: Telemetry | undefined
async function setTelemetry(mode: TelemetryMode): Promise<void> {
  if (telemetry !== undefined) {
    await telemetry.shutdown()
    telemetry = undefined
    // What the collector was sent is in ClickHouse before the next variant is timed.
    await collector.request(quick ? 'drain' : 'settle', { timeoutMs: 30_000 })
  }
  telemetry = startBenchTelemetry(mode, { sink: upstream.url, collector: collector.url })
}

function callOf(variant: Variant, kind: Kind): () => Promise<unknown> {
  if (variant.client === 'raw') return kind === 'chat' ? () => raw.chat() : () => raw.stream()
  if (variant.client === 'openai') return kind === 'chat' ? () => openaiChat(openai) : () => openaiStream(openai)
  const router = bench
  if (router === undefined) throw new Error('no router for a router variant')
  return kind === 'chat' ? () => router.chat() : () => router.stream()
}

interface VariantRuns {
  samples: number[]
  throughputs: number[]
  errors: number
  firstError?: string
}

const details: Record<string, unknown> = {}
const figures: Figure[] = []
const maxLoopMs = quick ? 2_000 : 60_000

for (const scenario of scenarios) {
  await upstream.setTiming(scenario.timing)
  log(`${scenario.name}: warming up`)
  for (const variant of scenario.variants) {
    await setTelemetry(variant.telemetry)
    await useRouter(variant)
    await inBenchWorkflow(() => runSequential({ count: scenario.warmup, maxMs: maxLoopMs, call: callOf(variant, scenario.kind) }))
    await inBenchWorkflow(() => runConcurrent({ concurrency, count: quick ? scenario.warmup : scenario.warmup * 2, maxMs: maxLoopMs, call: callOf(variant, scenario.kind) }))
  }
  const runs = new Map<string, VariantRuns>(scenario.variants.map((variant) => [variant.name, { samples: [], throughputs: [], errors: 0 }]))
  for (let roundIndex = 0; roundIndex < scenario.rounds; roundIndex++) {
    const order = [...scenario.variants.slice(roundIndex % scenario.variants.length), ...scenario.variants.slice(0, roundIndex % scenario.variants.length)]
    for (const variant of order) {
      await setTelemetry(variant.telemetry)
      await useRouter(variant)
      const call = callOf(variant, scenario.kind)
      const entry = runs.get(variant.name)!
      const sequential = await inBenchWorkflow(() => runSequential({ count: scenario.sequential, maxMs: maxLoopMs, call }))
      const concurrent = await inBenchWorkflow(() => runConcurrent({ concurrency, count: scenario.concurrent, maxMs: maxLoopMs, call }))
      entry.samples.push(...sequential.samples)
      entry.throughputs.push(concurrent.perSecond)
      entry.errors += sequential.errors + concurrent.errors
      entry.firstError ??= sequential.firstError ?? concurrent.firstError
      log(`${scenario.name} round ${roundIndex + 1}: ${variant.name}: ${round(concurrent.perSecond, 0)} calls/s at concurrency ${concurrency}`)
    }
  }
  const summaries = new Map<string, LatencySummary & { throughput: number; errors: number; firstError?: string }>()
  for (const [name, entry] of runs) {
    summaries.set(name, { ...summarizeNanoseconds(entry.samples), throughput: median(entry.throughputs), errors: entry.errors, firstError: entry.firstError })
  }
  details[scenario.name] = Object.fromEntries(summaries)
  const baseline = summaries.get('raw undici')!
  const openaiSummary = summaries.get('openai SDK')!
  for (const variant of scenario.variants) {
    if (variant.client !== 'router') continue
    const summary = summaries.get(variant.name)!
    const full = variant.name === 'router, everything on'
    const label = `${scenario.name}: ${variant.name}`
    figures.push(figure({
      name: `${label}: added p50 per call (c=1)`,
      value: round(summary.p50Us - baseline.p50Us, 1),
      unit: 'µs',
      baseline: { name: `raw undici p50 ${baseline.p50Us} µs; router p50`, value: summary.p50Us, unit: 'µs' },
      ratio: round(summary.p50Us / baseline.p50Us, 3),
      target: full ? { text: 'added p50 < 50 µs', measure: 'value', comparison: '<', threshold: 50 } : undefined,
    }))
    figures.push(figure({
      name: `${label}: added p99 per call (c=1)`,
      value: round(summary.p99Us - baseline.p99Us, 1),
      unit: 'µs',
      baseline: { name: `raw undici p99 ${baseline.p99Us} µs; router p99`, value: summary.p99Us, unit: 'µs' },
      ratio: round(summary.p99Us / baseline.p99Us, 3),
    }))
    figures.push(figure({
      name: `${label}: throughput at c=${concurrency}`,
      value: round(summary.throughput, 0),
      unit: 'calls/s',
      baseline: { name: 'raw undici', value: round(baseline.throughput, 0) },
      target: full ? { text: 'at least 0.85 of raw undici', measure: 'ratio', comparison: '>=', threshold: 0.85 } : undefined,
    }))
    if (full) {
      figures.push(figure({
        name: `${label}: p50 per call vs the bare openai SDK (c=1)`,
        value: summary.p50Us,
        unit: 'µs',
        baseline: { name: 'openai SDK', value: openaiSummary.p50Us },
        target: { text: 'faster than the bare openai SDK', measure: 'ratio', comparison: '<', threshold: 1 },
      }))
      figures.push(figure({
        name: `${label}: throughput vs the bare openai SDK (c=${concurrency})`,
        value: round(summary.throughput, 0),
        unit: 'calls/s',
        baseline: { name: 'openai SDK', value: round(openaiSummary.throughput, 0) },
        target: { text: 'faster than the bare openai SDK', measure: 'ratio', comparison: '>=', threshold: 1 },
      }))
    }
  }
  const withoutBudgets = summaries.get('router, everything on but budgets')
  const withBudgets = summaries.get('router, everything on')
  if (withoutBudgets !== undefined && withBudgets !== undefined) {
    figures.push(figure({
      name: `${scenario.name}: throughput lost to budgets (1 - everything on / everything on but budgets)`,
      value: round(1 - withBudgets.throughput / withoutBudgets.throughput, 3),
      unit: 'share',
    }))
  }
  const fullSummary = summaries.get('router, everything on')
  const discarded = summaries.get('router, spans discarded')
  const noSdk = summaries.get('router, no OTel SDK')
  if (fullSummary !== undefined && discarded !== undefined && noSdk !== undefined) {
    const added = fullSummary.p50Us - baseline.p50Us
    figures.push(figure({
      name: `${scenario.name}: share of the added p50 that is span export (everything on vs spans discarded)`,
      value: round(added <= 0 ? Number.NaN : (fullSummary.p50Us - discarded.p50Us) / added, 2),
      unit: 'share',
    }))
    figures.push(figure({
      name: `${scenario.name}: throughput lost to span export (1 - everything on / spans discarded)`,
      value: round(1 - fullSummary.throughput / discarded.throughput, 3),
      unit: 'share',
    }))
  }
}

await useRouter({ name: 'none', client: 'raw', telemetry: 'none' })
await setTelemetry('none')
const spansStored = await collector.request<{ traces: number; calls: number }>('counts')
const upstreamCounts = await upstream.counts()
await raw.close()
await collector.close()
await upstream.close()

writeResult(options, {
  benchmark: 'router-overhead',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    upstream: 'OpenAI-format loopback server in its own process, fixed bodies (recorded chat completion; stream of 32 text chunks + finish + usage)',
    delays: { zero, delayed },
    concurrency,
    collector: 'switchyard collector in its own process, chdb store, fsync always, default batching',
    budgets: '7 budgets in the router config, 4 matching each call (the ledger reserves the worst case before the call and settles after it)',
    scenarios: scenarios.map(({ variants: list, ...rest }) => ({ ...rest, variants: list.map((variant) => variant.name) })),
  },
  figures,
  details: { ...details, spansStored, upstreamCounts, ledgerStatsAtEndOfEachRouterRun: ledgerStats },
  notes: [
    'Added latency = router percentile - raw undici percentile over the same rounds; each round runs every variant, order rotated.',
    'Router variants have routing, pricing and budgets on and differ in telemetry, except "everything on but budgets", which has no budgets.',
    'Each timed run gets a fresh router and ledger; the ledger\'s unconfirmed calls at the end of each run are in details.',
  ],
})
process.exit(0)
