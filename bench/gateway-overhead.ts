import os from 'node:os'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { benchModel } from './lib/bench-request.js'
import { figure, type Figure } from './lib/figure.js'
import type { GatewayProcess } from './lib/gateway-process.js'
import { runConcurrent, runSequential } from './lib/load.js'
import { OpenAIWireClient, type WireAnswer } from './lib/openai-wire-client.js'
import { portkeyHeaders, startPortkeyGateway } from './lib/portkey-gateway.js'
import type { ProcessUsage } from './lib/process-usage.js'
import { median, round, summarizeNanoseconds, type LatencySummary } from './lib/stats.js'
import { startSwitchyardGateway, switchyardGatewayHeaders, switchyardGatewayModel, type SwitchyardGatewayProcess } from './lib/switchyard-gateway.js'
import { startUpstream, type Upstream } from './lib/upstream.js'

/*
 * Gateway overhead (issue 19): the same loopback OpenAI-format upstream reached
 * directly, through `switchyard gateway` (spans, pricing and a budget on, its own chdb
 * store) and through the Portkey gateway (`@portkey-ai/gateway`), each gateway in a
 * process of its own, the client identical for all three (bench/lib/openai-wire-client.ts).
 * Chat and SSE streams; added p50/p99 at concurrency 1 and throughput at concurrency 32
 * against direct in the same rounds (order rotated each round), each gateway's peak
 * RSS and CPU per call. The upstream counts what reaches it: a gateway that answered
 * without forwarding would fail the run.
 */

const options = benchOptions()
const quick = options.quick
const startedAt = new Date().toISOString()
/** Other work on a 2-core machine moves every figure here: the 1-minute load average is kept with the result. */
const loadAtStart = os.loadavg()[0]
const concurrency = 32
const streamChunks = 32
const maxLoopMs = quick ? 5_000 : 60_000

type Kind = 'chat' | 'stream'
const direct = 'direct'
const switchyard = 'switchyard gateway'
const portkey = 'Portkey gateway'

interface Variant {
  name: string
  client: OpenAIWireClient
  gateway?: GatewayProcess
}

interface Scenario {
  kind: Kind
  rounds: number
  warmup: number
  sequential: number
  concurrent: number
}

const scenarios: Scenario[] = [
  { kind: 'chat', rounds: quick ? 1 : 3, warmup: quick ? 100 : 1000, sequential: quick ? 300 : 2000, concurrent: quick ? 1000 : 8000 },
  // Portkey holds each stream's first event for 25 ms, so its sequential streams take that long each.
  { kind: 'stream', rounds: quick ? 1 : 3, warmup: quick ? 50 : 300, sequential: quick ? 120 : 600, concurrent: quick ? 400 : 3000 },
]

const closers: (() => Promise<void>)[] = []
/** Stops everything started so far, newest first; each child is killed if it does not stop in time. */
async function closeAll(): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close()
    } catch (error) {
      log(`closing: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

interface VariantRuns {
  samples: number[]
  throughputs: number[]
  calls: number
  errors: number
  firstError?: string
  /** Calls of this kind the upstream received while this variant ran. */
  upstreamReceived: number
}

/** Runs `work` and adds to `runs` what the upstream received meanwhile and what the client completed. */
async function counted(upstream: Upstream, kind: Kind, runs: VariantRuns, work: () => Promise<{ calls: number; errors: number; firstError?: string }>): Promise<void> {
  const before = await upstream.counts()
  const done = await work()
  const after = await upstream.counts()
  runs.upstreamReceived += after[kind] - before[kind]
  runs.calls += done.calls
  runs.errors += done.errors
  runs.firstError ??= done.firstError
}

function callOf(variant: Variant, kind: Kind): () => Promise<WireAnswer> {
  return kind === 'chat' ? () => variant.client.chat() : () => variant.client.stream()
}

/** One call of each kind through each variant: the same text as direct, and switchyard's cost header. */
async function checkAnswers(variants: Variant[]): Promise<Record<string, unknown>> {
  const checks: Record<string, unknown> = {}
  for (const kind of ['chat', 'stream'] as const) {
    const expected = await callOf(variants[0]!, kind)()
    for (const variant of variants) {
      const answer = await callOf(variant, kind)()
      if (answer.text !== expected.text) throw new Error(`${variant.name} (${kind}) answered "${answer.text.slice(0, 80)}", direct "${expected.text.slice(0, 80)}"`)
      const cost = answer.headers['x-switchyard-cost-usd']
      if (variant.name === switchyard && kind === 'chat' && cost === undefined) throw new Error('the switchyard gateway answered without x-switchyard-cost-usd: pricing is not on')
      checks[`${variant.name}, ${kind}`] = { textChars: answer.text.length, costUsd: cost, streamTotalTokens: answer.streamTotalTokens }
    }
  }
  return checks
}

type Summary = LatencySummary & { throughput: number; calls: number; errors: number; firstError?: string; upstreamReceived: number; gatewayCpuMicrosPerCall?: number }

async function runScenario(upstream: Upstream, variants: Variant[], scenario: Scenario): Promise<Map<string, Summary>> {
  const runs = new Map<string, VariantRuns>(variants.map((variant) => [variant.name, { samples: [], throughputs: [], calls: 0, errors: 0, upstreamReceived: 0 }]))
  const cpuBefore = new Map<string, ProcessUsage>()
  for (const variant of variants) if (variant.gateway !== undefined) cpuBefore.set(variant.name, await variant.gateway.usage())
  log(`${scenario.kind}: warming up`)
  for (const variant of variants) {
    const call = callOf(variant, scenario.kind)
    const entry = runs.get(variant.name)!
    await counted(upstream, scenario.kind, entry, async () => {
      const sequential = await runSequential({ count: scenario.warmup, maxMs: maxLoopMs, call })
      const concurrent = await runConcurrent({ concurrency, count: scenario.warmup * 2, maxMs: maxLoopMs, call })
      return { calls: sequential.samples.length + concurrent.calls, errors: sequential.errors + concurrent.errors, firstError: sequential.firstError ?? concurrent.firstError }
    })
  }
  for (let roundIndex = 0; roundIndex < scenario.rounds; roundIndex++) {
    const order = [...variants.slice(roundIndex % variants.length), ...variants.slice(0, roundIndex % variants.length)]
    for (const variant of order) {
      const call = callOf(variant, scenario.kind)
      const entry = runs.get(variant.name)!
      await counted(upstream, scenario.kind, entry, async () => {
        const sequential = await runSequential({ count: scenario.sequential, maxMs: maxLoopMs, call })
        const concurrent = await runConcurrent({ concurrency, count: scenario.concurrent, maxMs: maxLoopMs, call })
        entry.samples.push(...sequential.samples)
        entry.throughputs.push(concurrent.perSecond)
        log(`${scenario.kind} round ${roundIndex + 1}: ${variant.name}: p50 ${summarizeNanoseconds(sequential.samples).p50Us} µs at c=1, ${round(concurrent.perSecond, 0)} calls/s at c=${concurrency}`)
        return { calls: sequential.samples.length + concurrent.calls, errors: sequential.errors + concurrent.errors, firstError: sequential.firstError ?? concurrent.firstError }
      })
    }
  }
  const summaries = new Map<string, Summary>()
  for (const variant of variants) {
    const entry = runs.get(variant.name)!
    if (entry.upstreamReceived < entry.calls) {
      throw new Error(`${variant.name} (${scenario.kind}) completed ${entry.calls} calls but the upstream received ${entry.upstreamReceived}: it answered without forwarding`)
    }
    const before = cpuBefore.get(variant.name)
    const after = variant.gateway === undefined ? undefined : await variant.gateway.usage()
    summaries.set(variant.name, {
      ...summarizeNanoseconds(entry.samples),
      throughput: median(entry.throughputs),
      calls: entry.calls,
      errors: entry.errors,
      firstError: entry.firstError,
      upstreamReceived: entry.upstreamReceived,
      gatewayCpuMicrosPerCall: before === undefined || after === undefined ? undefined : round((after.cpuMicros - before.cpuMicros) / entry.calls, 1),
    })
  }
  return summaries
}

function scenarioFigures(kind: Kind, summaries: Map<string, Summary>, gatewayNames: string[]): Figure[] {
  const baseline = summaries.get(direct)!
  const figures: Figure[] = []
  for (const name of gatewayNames) {
    const summary = summaries.get(name)!
    const isSwitchyard = name === switchyard
    const label = `${kind}: ${name}`
    figures.push(figure({
      name: `${label}: added p50 per call (c=1)`,
      value: round(summary.p50Us - baseline.p50Us, 1),
      unit: 'µs',
      baseline: { name: `direct p50 ${baseline.p50Us} µs; through the gateway`, value: summary.p50Us, unit: 'µs' },
      ratio: round(summary.p50Us / baseline.p50Us, 3),
      target: isSwitchyard ? { text: 'added p50 < 300 µs', measure: 'value', comparison: '<', threshold: 300 } : undefined,
    }))
    figures.push(figure({
      name: `${label}: added p99 per call (c=1)`,
      value: round(summary.p99Us - baseline.p99Us, 1),
      unit: 'µs',
      baseline: { name: `direct p99 ${baseline.p99Us} µs; through the gateway`, value: summary.p99Us, unit: 'µs' },
      ratio: round(summary.p99Us / baseline.p99Us, 3),
    }))
    figures.push(figure({
      name: `${label}: throughput at c=${concurrency}`,
      value: round(summary.throughput, 0),
      unit: 'calls/s',
      baseline: { name: 'direct', value: round(baseline.throughput, 0) },
      target: isSwitchyard ? { text: 'at least 0.4 of direct', measure: 'ratio', comparison: '>=', threshold: 0.4 } : undefined,
    }))
    if (summary.gatewayCpuMicrosPerCall !== undefined) {
      figures.push(figure({ name: `${label}: gateway process CPU per call (user + system, warm-up included)`, value: summary.gatewayCpuMicrosPerCall, unit: 'µs' }))
    }
  }
  const ours = summaries.get(switchyard)
  const theirs = summaries.get(portkey)
  if (ours !== undefined && theirs !== undefined) {
    figures.push(figure({
      name: `${kind}: switchyard gateway throughput vs Portkey (c=${concurrency})`,
      value: round(ours.throughput, 0),
      unit: 'calls/s',
      baseline: { name: 'Portkey gateway', value: round(theirs.throughput, 0) },
    }))
  }
  return figures
}

/** The side-by-side table on stderr, for whoever runs this file directly (bench/run.ts prints the figures). */
function printTable(kind: Kind, summaries: Map<string, Summary>): void {
  const baseline = summaries.get(direct)!
  log(`${kind.padEnd(7)}${'path'.padEnd(22)}${'p50 µs'.padStart(10)}${'added'.padStart(10)}${'p99 µs'.padStart(10)}${`calls/s c=${concurrency}`.padStart(16)}${'of direct'.padStart(11)}`)
  for (const [name, summary] of summaries) {
    const added = name === direct ? '' : String(round(summary.p50Us - baseline.p50Us, 0))
    log(`${''.padEnd(7)}${name.padEnd(22)}${String(round(summary.p50Us, 0)).padStart(10)}${added.padStart(10)}${String(round(summary.p99Us, 0)).padStart(10)}${String(round(summary.throughput, 0)).padStart(16)}${String(round(summary.throughput / baseline.throughput, 3)).padStart(11)}`)
  }
}

interface Paths {
  variants: Variant[]
  switchyardGateway: SwitchyardGatewayProcess
}

/** The upstream's three paths, each child process registered for closing as soon as it runs. */
async function startPaths(upstream: Upstream): Promise<Paths> {
  const directClient = new OpenAIWireClient({ url: upstream.url, model: benchModel, connections: concurrency })
  closers.push(() => directClient.close())
  log('starting the switchyard gateway (chdb store in a temporary directory)')
  const switchyardGateway = await startSwitchyardGateway({ upstreamUrl: upstream.url })
  closers.push(() => switchyardGateway.close())
  const switchyardClient = new OpenAIWireClient({ url: switchyardGateway.url, model: switchyardGatewayModel, headers: switchyardGatewayHeaders, connections: concurrency })
  closers.push(() => switchyardClient.close())
  log('starting the Portkey gateway')
  const portkeyGateway = await startPortkeyGateway()
  closers.push(() => portkeyGateway.close())
  const portkeyClient = new OpenAIWireClient({ url: portkeyGateway.url, model: benchModel, headers: portkeyHeaders(upstream.url), connections: concurrency })
  closers.push(() => portkeyClient.close())
  return {
    variants: [
      { name: direct, client: directClient },
      { name: switchyard, client: switchyardClient, gateway: switchyardGateway },
      { name: portkey, client: portkeyClient, gateway: portkeyGateway },
    ],
    switchyardGateway,
  }
}

/** Each gateway's peak RSS (startup included), with what it held before its first call. */
async function memoryFigures(variants: Variant[], idleUsage: Map<string, ProcessUsage>, details: Record<string, unknown>): Promise<Figure[]> {
  const figures: Figure[] = []
  const memory: Record<string, unknown> = {}
  for (const variant of variants) {
    if (variant.gateway === undefined) continue
    const usage = await variant.gateway.usage()
    const idle = idleUsage.get(variant.name)!
    memory[variant.name] = { idle, end: usage }
    figures.push(figure({
      name: `${variant.name}: peak RSS of its process`,
      value: round(usage.peakRssMiB, 1),
      unit: 'MiB',
      note: `${round(idle.rssMiB, 1)} MiB after start, before the first call${variant.name === switchyard ? '; the embedded ClickHouse engine (chdb) is in this process' : ''}`,
    }))
  }
  details.memory = memory
  return figures
}

/** Close the switchyard gateway (it flushes its spans) and compare its store with the calls it served. */
async function storedSpansFigure(gateway: SwitchyardGatewayProcess, callsServed: number, details: Record<string, unknown>): Promise<Figure> {
  const stored = await gateway.stopAndCount()
  details.switchyardStore = { ...stored, callsServed }
  return figure({
    name: 'switchyard gateway: model-call spans in its store after it closed',
    value: stored.modelCallSpans,
    unit: 'spans',
    baseline: { name: 'calls it served', value: callsServed },
    note: `${stored.llmCalls} llm_calls rows`,
  })
}

const figures: Figure[] = []
const details: Record<string, unknown> = {}
const versions: Record<string, string> = {}
try {
  log('starting the upstream')
  const upstream = await startUpstream({ streamChunks })
  closers.push(() => upstream.close())
  const { variants, switchyardGateway } = await startPaths(upstream)
  const idleUsage = new Map<string, ProcessUsage>()
  for (const variant of variants) {
    if (variant.gateway === undefined) continue
    idleUsage.set(variant.name, await variant.gateway.usage())
    versions[variant.name] = variant.gateway.version
  }
  details.checks = await checkAnswers(variants)
  /** Calls answered through the switchyard gateway: one per kind in the checks, then every scenario's. */
  let switchyardCalls = 2
  for (const scenario of scenarios) {
    const summaries = await runScenario(upstream, variants, scenario)
    details[scenario.kind] = Object.fromEntries(summaries)
    switchyardCalls += summaries.get(switchyard)!.calls
    printTable(scenario.kind, summaries)
    figures.push(...scenarioFigures(scenario.kind, summaries, [switchyard, portkey]))
  }
  figures.push(...await memoryFigures(variants, idleUsage, details))
  figures.push(await storedSpansFigure(switchyardGateway, switchyardCalls, details))
  details.upstreamCounts = await upstream.counts()
} finally {
  await closeAll()
}

writeResult(options, {
  benchmark: 'gateway-overhead',
  mode: quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    upstream: `OpenAI-format loopback server in its own process, answering at once with fixed bodies (recorded chat completion; stream of ${streamChunks} text chunks + finish + usage + [DONE] in one write)`,
    client: `undici Pool of ${concurrency} connections per path, the same request body; chat: JSON parse; stream: SSE split + JSON parse per event`,
    switchyard: `${versions[switchyard]}: own process, one route to the upstream, spans to its in-process collector and chdb store (temporary directory), pricing, one budget that never refuses`,
    portkey: `${versions[portkey]}: own process, provider openai with x-portkey-custom-host to the upstream, headless; streamed upstream answers re-wrapped for its @hono/node-server (see bench/lib/portkey-process.ts)`,
    concurrency,
    scenarios,
    loadAverage1m: { atStart: round(loadAtStart ?? Number.NaN, 2), atEnd: round(os.loadavg()[0] ?? Number.NaN, 2), cores: os.availableParallelism() },
  },
  figures,
  details,
  notes: [
    'Added latency = gateway percentile - direct percentile over the same rounds; each round runs every path, order rotated.',
    'Every gateway call is checked to have reached the upstream (its request count), and one answer of each kind to carry the same text as direct.',
    'Peak RSS is the process\'s maxrss since it started (startup included); CPU per call is the gateway process\'s user + system time over the scenario divided by its calls.',
  ],
})
process.exit(0)
