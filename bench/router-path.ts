import type { Provider, ProviderRequest } from '../src/providers/provider.js'
import { driveStream, type ProviderEventStream } from '../src/providers/drive-stream.js'
import { ChatCompletionsStreamAccumulator } from '../src/providers/openai/chat-completions-stream.js'
import type { ModelCallResult } from '../src/model-call/model-call-result.js'
import { createRouter, type Router } from '../src/router/create-router.js'
import type { Telemetry } from '../src/telemetry/start-telemetry.js'
import { benchBudgetInputs } from './lib/bench-budgets.js'
import { benchOptions, log, writeResult } from './lib/bench-options.js'
import { benchMaxTokens, benchMessages, benchModel } from './lib/bench-request.js'
import { startBenchTelemetry } from './lib/bench-telemetry.js'
import { figure, type Figure } from './lib/figure.js'
import { inBenchWorkflow } from './lib/router-client.js'
import { round, median } from './lib/stats.js'
import { staticSpendSource } from './lib/static-spend-source.js'
import { chatStreamEvents } from './lib/upstream-bodies.js'

/*
 * The router's own cost per call, without HTTP: CPU time per call of router.chat()
 * over a provider that answers at once, against calling that provider directly,
 * in one process, in alternating batches. Over loopback HTTP the same cost hides
 * in the upstream's and the kernel's noise (router-overhead); here it is the
 * router alone, split into routing, budgets and span recording. Streams too: the
 * provider's stream is the real SSE parser and Chat Completions accumulator over
 * the bench upstream's body (32 text chunks), handed over as one chunk.
 */

const options = benchOptions()
const startedAt = new Date().toISOString()
const batch = options.quick ? 200 : 1_000
const batches = options.quick ? 10 : 40
const droppedBatches = 4
const warmupCalls = options.quick ? 2_000 : 10_000

const answer: ModelCallResult = {
  text: 'Paris is the capital of France.',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 24, outputTokens: 8, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
  model: 'gpt-4o-mini-2024-07-18',
  id: 'chatcmpl-bench',
  rawFinishReason: 'stop',
}

/** Answers at once, after watching the call's signal as the HTTP transport does. */
class InstantProvider implements Provider {
  readonly providerName = 'openai'
  readonly serverAddress = '127.0.0.1'
  readonly serverPort = 1
  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const signal = request.signal
    const onAbort = (): void => {}
    signal?.addEventListener('abort', onAbort, { once: true })
    await null
    signal?.removeEventListener('abort', onAbort)
    return { ...answer }
  }

  /** The upstream's stream body as one chunk, through the real SSE parser and accumulator. */
  stream(request: ProviderRequest): ProviderEventStream {
    const context = { provider: 'openai', model: request.model, secrets: [] }
    return driveStream({ open: async () => oneChunk(streamBody), accumulator: new ChatCompletionsStreamAccumulator(context), context, signal: request.signal })
  }

  async close(): Promise<void> {}
}

const streamBody = Buffer.concat(chatStreamEvents(32))

/** A body that arrives in one chunk, as a zero-delay upstream's does over loopback. */
async function* oneChunk(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk
}
const provider = new InstantProvider()

async function benchRouter(budgets: boolean): Promise<Router> {
  const router = createRouter({
    providers: { upstream: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'bench-key' } },
    routes: { bench: { targets: [{ provider: 'upstream', model: benchModel }] } },
    budgets: budgets ? benchBudgetInputs : [],
  }, { spendSource: staticSpendSource(), providers: new Map([['upstream', provider]]) })
  await router.ready()
  return router
}

type Call = () => Promise<unknown>
const routers = { withBudgets: await benchRouter(true), withoutBudgets: await benchRouter(false) }
const request = { route: 'bench', messages: benchMessages, maxTokens: benchMaxTokens }
const variants: Record<string, Call> = {
  'provider alone': () => provider.chat({ model: benchModel, messages: benchMessages, maxTokens: benchMaxTokens }),
  'router, no budgets': () => routers.withoutBudgets.chat(request),
  'router, 7 budgets (4 match)': () => routers.withBudgets.chat(request),
  'provider stream alone': async () => {
    for await (const _event of provider.stream({ model: benchModel, messages: benchMessages, maxTokens: benchMaxTokens })) { /* read */ }
  },
  'router stream, 7 budgets (4 match)': async () => {
    const stream = routers.withBudgets.stream(request)
    for await (const _chunk of stream) { /* read */ }
    await stream.result
  },
}

/** CPU µs per call of each variant: batches alternate, order rotated, the first few dropped. */
async function measure(): Promise<Record<string, number>> {
  const names = Object.keys(variants)
  const samples = new Map<string, number[]>(names.map((name) => [name, []]))
  for (let index = 0; index < batches; index++) {
    const order = [...names.slice(index % names.length), ...names.slice(0, index % names.length)]
    for (const name of order) {
      const call = variants[name]!
      const before = process.cpuUsage()
      await inBenchWorkflow(async () => {
        for (let done = 0; done < batch; done++) await call()
      })
      const used = process.cpuUsage(before)
      if (index >= droppedBatches) samples.get(name)!.push((used.user + used.system) / batch)
    }
  }
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]))
}

/** Every variant hot in the JIT, with and without an SDK, before anything is measured. */
async function warmUp(): Promise<void> {
  for (const mode of ['discard', 'none'] as const) {
    const warming = startBenchTelemetry(mode, { sink: 'http://127.0.0.1:1' })
    for (const call of Object.values(variants)) {
      await inBenchWorkflow(async () => {
        for (let done = 0; done < warmupCalls; done++) await call()
      })
    }
    await warming?.shutdown()
  }
}

log(`warming up: ${warmupCalls} calls per variant, with and without the SDK`)
await warmUp()
const figures: Figure[] = []
const details: Record<string, Record<string, number>> = {}
let telemetry: Telemetry | undefined
for (const mode of ['none', 'discard'] as const) {
  telemetry = startBenchTelemetry(mode, { sink: 'http://127.0.0.1:1' })
  log(`telemetry ${mode}: measuring ${batches} batches of ${batch} calls per variant`)
  const perCall = await measure()
  details[mode] = perCall
  await telemetry?.shutdown()
  const baseline = perCall['provider alone']!
  const label = mode === 'none' ? 'no OTel SDK' : 'OTel SDK, spans discarded'
  for (const name of ['router, no budgets', 'router, 7 budgets (4 match)']) {
    figures.push(figure({
      name: `${name}, ${label}: router CPU per call added to the provider's`,
      value: round(perCall[name]! - baseline, 1),
      unit: 'µs',
      baseline: { name: `provider alone ${round(baseline, 1)} µs; router`, value: round(perCall[name]!, 1), unit: 'µs' },
    }))
  }
  const streamBaseline = perCall['provider stream alone']!
  figures.push(figure({
    name: `router stream, 7 budgets (4 match), ${label}: router CPU per streamed call added to the provider's (32 text chunks)`,
    value: round(perCall['router stream, 7 budgets (4 match)']! - streamBaseline, 1),
    unit: 'µs',
    baseline: { name: `provider stream alone ${round(streamBaseline, 1)} µs; router`, value: round(perCall['router stream, 7 budgets (4 match)']!, 1), unit: 'µs' },
  }))
  figures.push(figure({
    name: `budgets, ${label}: CPU per call (7 budgets, 4 match)`,
    value: round(perCall['router, 7 budgets (4 match)']! - perCall['router, no budgets']!, 1),
    unit: 'µs',
  }))
}
if (details.none !== undefined && details.discard !== undefined) {
  figures.push(figure({
    name: 'span recording (route + chat span, metrics) with the OTel SDK: CPU per call',
    value: round(details.discard['router, 7 budgets (4 match)']! - details.none['router, 7 budgets (4 match)']!, 1),
    unit: 'µs',
  }))
}
await routers.withBudgets.close()
await routers.withoutBudgets.close()

writeResult(options, {
  benchmark: 'router-path',
  mode: options.quick ? 'quick' : 'full',
  startedAt,
  finishedAt: new Date().toISOString(),
  conditions: {
    provider: 'in process: answers at once, after watching the call signal as the HTTP transport does',
    batches: { count: batches, callsEach: batch, dropped: droppedBatches },
    measure: 'process CPU time (user + system) per call, median over batches; variants alternate, order rotated',
  },
  figures,
  details,
  notes: ['No HTTP: this is the router alone. router-overhead measures it end to end over loopback.'],
})
process.exit(0)
