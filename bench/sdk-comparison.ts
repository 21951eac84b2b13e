import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { startChild } from './lib/child-process.js'
import { startCollectorProcess } from './lib/collector.js'
import { figure, todoFigure, type Figure } from './lib/figure.js'
import type { InstrumentationName } from './lib/peer-instrumentations.js'
import { median, round, summarizeNanoseconds, type LatencySummary } from './lib/stats.js'
import { startUpstream } from './lib/upstream.js'

/*
 * The same call through the bare `openai` SDK, through switchyard's
 * `instrument(openai)`, and through the peer instrumentations that install from
 * npm, against the same upstream in the same run. Each variant runs in a process
 * of its own (instrumentations patch the SDK process-wide), once per round, rounds
 * interleaved with the order rotated. Instrumented variants export through the same
 * OpenTelemetry pipeline to the same collector.
 */

const options = benchOptions()
const quick = options.quick
const startedAt = new Date().toISOString()
const concurrency = 32

const ours: InstrumentationName = 'switchyard instrument()'
const peers: InstrumentationName[] = quick
  ? ['traceloop', 'langfuse']
  : ['traceloop', 'traceloop, content off', 'openinference', 'openinference, content off', 'langfuse']
const variants: InstrumentationName[] = ['none', ours, ...(quick ? [] : ['switchyard instrument() + budgets' as const]), ...peers]
// Each round starts every variant in a fresh process. A process sometimes runs a few hundred µs
// slower for its whole life (where it lands on the 2 cores), so p50s are per round and the
// figure is their median: one such process moves one of four rounds, not half the samples.
const rounds = quick ? 1 : 4
const counts = {
  chat: { warmup: quick ? 100 : 1000, sequential: quick ? 100 : 800, concurrent: quick ? 300 : 4000 },
  stream: { warmup: quick ? 50 : 500, sequential: quick ? 50 : 400, concurrent: quick ? 150 : 2000 },
}
const maxMs = quick ? 1_000 : 60_000

log('starting the upstream and the collector (fsync always)')
const upstream = await startUpstream({ streamChunks: 32 })
const collector = await startCollectorProcess({ fsync: 'always' })

interface Runs { samples: number[]; roundP50sUs: number[]; throughputs: number[]; errors: number; firstError?: string; setupError?: string }
const results = new Map<string, Runs>()
const keyOf = (variant: string, kind: string): string => `${kind}: ${variant}`
/** Spans each variant's process delivered to the collector (all rounds): shows every instrumentation really exported. */
const spansByVariant: Record<string, number> = {}
let storedBefore = 0

for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
  const order = [...variants.slice(roundIndex % variants.length), ...variants.slice(0, roundIndex % variants.length)]
  for (const variant of order) {
    const child = await startChild<{ setupError?: string }>({ script: 'bench/lib/sdk-variant-process.ts', args: [variant, upstream.url, collector.url] })
    try {
      for (const kind of ['chat', 'stream'] as const) {
        const entry = results.get(keyOf(variant, kind)) ?? { samples: [], roundP50sUs: [], throughputs: [], errors: 0 }
        results.set(keyOf(variant, kind), entry)
        if (child.ready.setupError !== undefined) {
          entry.setupError = child.ready.setupError
          continue
        }
        const run = await child.request<{ samples: number[]; errors: number; firstError?: string; perSecond: number }>('run', { kind, ...counts[kind], concurrency, maxMs })
        entry.samples.push(...run.samples)
        entry.roundP50sUs.push(summarizeNanoseconds(run.samples).p50Us)
        entry.throughputs.push(run.perSecond)
        entry.errors += run.errors
        entry.firstError ??= run.firstError
        log(`round ${roundIndex + 1}: ${kind}: ${variant}: ${round(run.perSecond, 0)} calls/s at c=${concurrency}`)
        await child.request('flush')
      }
    } finally {
      await child.close()
    }
    await collector.request(quick ? 'drain' : 'settle', { timeoutMs: 30_000 })
    const { traces } = await collector.request<{ traces: number }>('counts')
    spansByVariant[variant] = (spansByVariant[variant] ?? 0) + traces - storedBefore
    storedBefore = traces
  }
}

// The collector is done with: the paired run exports to a null sink, and a collector left
// running (its merges, its settling) would only share the 2 cores with it.
const stored = await collector.request<{ traces: number; calls: number }>('counts')
await collector.close()

// The paired run: bare, instrument() and langfuse as three clients of one process, in
// alternating batches (see sdk-paired-process.ts). A multiple of 3 rounds, so each
// variant goes first, second and third equally often.
type PairedVariant = 'bare' | 'instrument' | 'langfuse'
type PairedRun = Record<PairedVariant, { samples: number[]; cpuPerCallUs: number[]; errors: number; firstError?: string }>
const pairedCounts = {
  chat: { warmup: quick ? 50 : 1000, batch: quick ? 20 : 200, rounds: quick ? 3 : 21 },
  stream: { warmup: quick ? 25 : 500, batch: quick ? 10 : 100, rounds: quick ? 3 : 21 },
}
const paired: Partial<Record<'chat' | 'stream', PairedRun>> = {}
{
  const child = await startChild<{ pid: number }>({ script: 'bench/lib/sdk-paired-process.ts', args: [upstream.url] })
  try {
    for (const kind of ['chat', 'stream'] as const) {
      paired[kind] = await child.request<PairedRun>('run', { kind, ...pairedCounts[kind], maxMs: quick ? 20_000 : 120_000 }, 180_000)
      log(`paired: ${kind}: ${paired[kind]!.instrument.samples.length} calls per variant`)
    }
  } finally {
    await child.close()
  }
}

await upstream.close()

const figures: Figure[] = []
const details: Record<string, unknown> = { spansStored: stored, spansByVariant }
for (const kind of ['chat', 'stream'] as const) {
  const summaries = new Map<string, (LatencySummary & { roundP50sUs: number[]; throughput: number; errors: number; firstError?: string }) | { setupError: string }>()
  for (const variant of variants) {
    const entry = results.get(keyOf(variant, kind))!
    summaries.set(variant, entry.setupError !== undefined
      ? { setupError: entry.setupError }
      : { ...summarizeNanoseconds(entry.samples), p50Us: median(entry.roundP50sUs), roundP50sUs: entry.roundP50sUs, throughput: median(entry.throughputs), errors: entry.errors, firstError: entry.firstError })
  }
  details[kind] = Object.fromEntries(summaries)
  const bare = summaries.get('none')
  if (bare === undefined || 'setupError' in bare) throw new Error('the bare openai SDK did not run')
  const added = (variant: string): { p50: number; throughputRatio: number } | undefined => {
    const summary = summaries.get(variant)
    if (summary === undefined || 'setupError' in summary) return undefined
    return { p50: summary.p50Us - bare.p50Us, throughputRatio: summary.throughput / bare.throughput }
  }
  for (const variant of variants.slice(1)) {
    const summary = summaries.get(variant)!
    if ('setupError' in summary) {
      figures.push(todoFigure(`${kind}: ${variant}: added p50 per call (c=1)`, `could not run: ${summary.setupError}`))
      continue
    }
    figures.push(figure({
      name: `${kind}: ${variant}: added p50 per call (c=1)`,
      value: round(summary.p50Us - bare.p50Us, 1),
      unit: 'µs',
      baseline: { name: `bare openai SDK p50 ${bare.p50Us} µs; instrumented p50`, value: summary.p50Us, unit: 'µs' },
      ratio: round(summary.p50Us / bare.p50Us, 3),
    }))
    figures.push(figure({
      name: `${kind}: ${variant}: throughput at c=${concurrency}`,
      value: round(summary.throughput, 0),
      unit: 'calls/s',
      baseline: { name: 'bare openai SDK', value: round(bare.throughput, 0) },
    }))
  }
  const ourFigures = added(ours)
  const peerFigures = peers.map((peer) => ({ peer, figures: added(peer) })).filter((entry) => entry.figures !== undefined)
  if (ourFigures === undefined) {
    figures.push(todoFigure(`${kind}: instrument(openai) vs the lightest peer`, 'instrument() could not run; see its row'))
  } else if (peerFigures.length > 0) {
    const lightest = peerFigures.reduce((best, entry) => (entry.figures!.p50 < best.figures!.p50 ? entry : best))
    figures.push(figure({
      name: `${kind}: instrument(openai) added p50 vs the lightest peer (${lightest.peer})`,
      value: round(ourFigures.p50, 1),
      unit: 'µs',
      baseline: { name: lightest.peer, value: round(lightest.figures!.p50, 1) },
      target: { text: 'added p50 no larger than the lightest peer', measure: 'value', comparison: '<=', threshold: Math.max(0, round(lightest.figures!.p50, 1)) },
    }))
    const bestThroughput = peerFigures.reduce((best, entry) => (entry.figures!.throughputRatio > best.figures!.throughputRatio ? entry : best))
    figures.push(figure({
      name: `${kind}: instrument(openai) throughput share of bare vs the lightest peer (${bestThroughput.peer})`,
      value: round(ourFigures.throughputRatio, 3),
      unit: '× bare',
      baseline: { name: bestThroughput.peer, value: round(bestThroughput.figures!.throughputRatio, 3) },
      target: { text: 'throughput no lower than the lightest peer', measure: 'ratio', comparison: '>=', threshold: 1 },
    }))
  }
}

for (const kind of ['chat', 'stream'] as const) {
  const run = paired[kind]!
  const errors = run.bare.errors + run.instrument.errors + run.langfuse.errors
  if (errors > 0) {
    figures.push(todoFigure(`${kind}: paired run, instrument(openai) vs langfuse`, `${errors} calls failed: ${run.bare.firstError ?? run.instrument.firstError ?? run.langfuse.firstError}`))
    continue
  }
  const cpu = (variant: PairedVariant): number => median(run[variant].cpuPerCallUs)
  const p50 = (variant: PairedVariant): number => summarizeNanoseconds(run[variant].samples).p50Us
  // Compared round by round (the batches of one round ran side by side), then the median:
  // the machine's speed drifts over the run, and medians taken per variant would not pair.
  const perRound = (variant: PairedVariant, against: PairedVariant): number[] => run[variant].cpuPerCallUs.map((value, index) => value - run[against].cpuPerCallUs[index]!)
  const cpuAdded = { instrument: median(perRound('instrument', 'bare')), langfuse: median(perRound('langfuse', 'bare')) }
  const instrumentMinusLangfuse = perRound('instrument', 'langfuse')
  const p50Added = { instrument: p50('instrument') - p50('bare'), langfuse: p50('langfuse') - p50('bare') }
  details[`paired ${kind}`] = {
    cpuAddedPerRoundMedianUs: { instrument: round(cpuAdded.instrument, 1), langfuse: round(cpuAdded.langfuse, 1) },
    instrumentMinusLangfusePerRoundUs: {
      median: round(median(instrumentMinusLangfuse), 1),
      min: round(Math.min(...instrumentMinusLangfuse), 1),
      max: round(Math.max(...instrumentMinusLangfuse), 1),
      roundsInstrumentCheaper: instrumentMinusLangfuse.filter((value) => value < 0).length,
      rounds: instrumentMinusLangfuse.length,
    },
    cpuPerCallUs: { bare: round(cpu('bare'), 1), instrument: round(cpu('instrument'), 1), langfuse: round(cpu('langfuse'), 1) },
    p50Us: { bare: p50('bare'), instrument: p50('instrument'), langfuse: p50('langfuse') },
    callsPerVariant: run.bare.samples.length,
    batchCpuPerCallUs: { bare: run.bare.cpuPerCallUs.map((value) => round(value, 1)), instrument: run.instrument.cpuPerCallUs.map((value) => round(value, 1)), langfuse: run.langfuse.cpuPerCallUs.map((value) => round(value, 1)) },
  }
  figures.push(figure({
    name: `${kind}: instrument(openai) CPU per call over the bare SDK vs langfuse, same process, median of per-round differences`,
    value: round(cpuAdded.instrument, 1),
    unit: 'µs',
    baseline: { name: `langfuse (bare SDK ${round(cpu('bare'), 1)} µs a call; instrument - langfuse per round: median ${round(median(instrumentMinusLangfuse), 1)}, ${instrumentMinusLangfuse.filter((value) => value < 0).length} of ${instrumentMinusLangfuse.length} rounds cheaper)`, value: round(cpuAdded.langfuse, 1) },
    target: { text: 'overhead no larger than the lightest peer', measure: 'value', comparison: '<=', threshold: Math.max(0, round(cpuAdded.langfuse, 1)) },
  }))
  figures.push(figure({
    name: `${kind}: instrument(openai) added p50 (c=1) vs langfuse, same process, alternating batches`,
    value: round(p50Added.instrument, 1),
    unit: 'µs',
    baseline: { name: `langfuse (bare SDK p50 ${p50('bare')} µs)`, value: round(p50Added.langfuse, 1) },
    target: { text: 'overhead no larger than the lightest peer', measure: 'value', comparison: '<=', threshold: Math.max(0, round(p50Added.langfuse, 1)) },
  }))
}

writeResult(options, {
  benchmark: 'sdk-comparison',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    upstream: 'OpenAI-format loopback server in its own process, zero delay, fixed bodies',
    variants,
    rounds,
    counts,
    pairedCounts,
    concurrency,
    telemetry: 'per-process variants: BatchSpanProcessor + OTLP/HTTP protobuf exporter (startTelemetry defaults) to a switchyard collector (chdb, fsync always), the bare SDK with no OpenTelemetry SDK; paired run: the same exporter to a null sink on the upstream, flushed at the end of each batch, the collector closed',
    content: 'traceloop, openinference and langfuse record prompt and completion text by default; "content off" variants turn that off where the peer allows it. switchyard records none unless asked.',
  },
  figures,
  details,
  notes: [
    'Added p50 = variant p50 - bare openai SDK p50 at concurrency 1; a variant\'s p50 is the median of its per-round p50s (p90/p99 pool the samples of every round).',
    'instrument() runs without budgets (the peers have none); "+ budgets" adds the 7-budget ledger through createBudgetGate.',
    'Paired run: the bare SDK, instrument() and langfuse as three clients of one process, called at concurrency 1 in alternating batches (order turned each round); each batch ends by flushing its spans (OTLP to a null sink) inside its CPU measurement. CPU per call is the median over batches, p50 pools every call. Only langfuse wraps a single client; traceloop and openinference patch the SDK process-wide and cannot share the process.',
  ],
})
process.exit(0)
