import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessSpanExporter } from '../../src/collector/in-process-span-exporter.js'
import { openCollectorPipeline, type CollectorPipeline } from '../../src/collector/open-collector-pipeline.js'
import { QueueClosedError, QueueFullError } from '../../src/collector/queue/queue-errors.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeModelCallSpans } from '../helpers/sdk-spans.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('in-process-exporter')
let pipeline: CollectorPipeline
let telemetry: Telemetry
let providerServer: ProviderServer
let router: Router

beforeAll(async () => {
  pipeline = await openCollectorPipeline({
    store: `chdb://${path.join(directory.path, 'store')}`,
    queueDirectory: path.join(directory.path, 'queue'),
    batchIntervalMs: 50,
    // Small, so that an export past it is split (see below).
    maxSpansPerRequest: 16,
  })
  telemetry = startTelemetry({ exporter: new InProcessSpanExporter(pipeline), serviceName: 'gateway-under-test', scheduledDelayMillis: 50 })
  providerServer = await startProviderServer()
  router = createRouter({
    providers: { openai: { type: 'openai', apiKey: 'sk-in-process-SECRET', baseURL: `${providerServer.url}/v1` } },
    routes: { plan: { targets: [{ provider: 'openai', model: 'o4-mini' }] } },
  })
})
afterAll(async () => {
  await router?.close()
  await providerServer?.close()
  await telemetry?.shutdown()
  await pipeline?.close()
  directory.remove()
})

/** One export through the exporter, as the SDK's processor makes it; the callback's result. */
function exportOnce(exporter: InProcessSpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve))
}

async function rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await pipeline.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

describe('a router whose telemetry exports into the pipeline of its own process', () => {
  it('stores its calls in otel_traces and llm_calls with their cost, no HTTP hop and no second process', async () => {
    providerServer.reply({ body: fixtureJson('openai/chat-completion.json') })
    const result = await workflow('in-process-triage', { tags: { tenant: 'acme' } }, () =>
      step('plan', () => router.chat({ route: 'plan', messages: [{ role: 'user', content: 'hi' }], maxTokens: 300 })))
    expect(result.costUsd).toBeDefined()
    await telemetry.flush()
    await pipeline.drain(20_000)

    const spans = await rows<{ SpanName: string; SpanKind: string; ServiceName: string }>(
      "SELECT SpanName, SpanKind, ServiceName FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String} OR SpanName = {root:String} ORDER BY SpanName",
      { workflow: 'in-process-triage', root: 'invoke_workflow in-process-triage' },
    )
    expect(spans.map((span) => span.SpanName)).toEqual(expect.arrayContaining(['chat o4-mini', 'invoke_workflow in-process-triage']))
    expect(spans.every((span) => span.ServiceName === 'gateway-under-test')).toBe(true)
    expect(spans.find((span) => span.SpanName === 'chat o4-mini')?.SpanKind).toBe('Client')

    const calls = await rows<Record<string, unknown>>(
      'SELECT Workflow, Step, Provider, RequestModel, toString(InputTokens) AS InputTokens, toString(CostUsd) AS Cost, Tags FROM llm_calls WHERE Workflow = {workflow:String}',
      { workflow: 'in-process-triage' },
    )
    expect(calls).toEqual([{ Workflow: 'in-process-triage', Step: 'plan', Provider: 'openai', RequestModel: 'o4-mini', InputTokens: '1290', Cost: result.costUsd, Tags: { tenant: 'acme' } }])
    const stored = await rows<{ text: string }>("SELECT toString(SpanAttributes) AS text FROM otel_traces WHERE SpanName = 'chat o4-mini'", {})
    expect(stored.map((row) => row.text).join('\n')).not.toContain('sk-in-process-SECRET')
  })
})

describe('InProcessSpanExporter', () => {
  it('stores a span exported twice once: the pipeline remembers what it accepted', async () => {
    const exporter = new InProcessSpanExporter(pipeline)
    const spans = makeModelCallSpans(5, { workflow: 'exported-twice' })
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS)
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS)
    await pipeline.drain(20_000)
    const stored = await countStoredSpans(pipeline.store, 'exported-twice', spans.map((span) => span.spanContext().spanId))
    expect(stored).toEqual({ total: 5, unique: 5, acknowledged: 5 })
    const again = await pipeline.ingest(spans)
    expect(again).toEqual({ accepted: 0, rejected: 0, deduplicated: 5 })
  })

  it('turns spans into rows on the next turn of the event loop, not inside the span end that filled the batch', async () => {
    let ingested = 0
    const watched = Object.create(pipeline) as CollectorPipeline
    watched.ingest = (spans) => {
      ingested += spans.length
      return pipeline.ingest(spans)
    }
    const exporter = new InProcessSpanExporter(watched)
    const exported = exportOnce(exporter, makeModelCallSpans(3, { workflow: 'exported-later' }))
    expect(ingested).toBe(0)
    expect((await exported).code).toBe(ExportResultCode.SUCCESS)
    expect(ingested).toBe(3)
  })

  it('prices at ingest a span that arrives without a cost, as POST /v1/traces does', async () => {
    const [span] = makeModelCallSpans(1, { workflow: 'priced-in-process' })
    delete (span!.attributes as Record<string, unknown>)['switchyard.cost.usd']
    delete (span!.attributes as Record<string, unknown>)['switchyard.cost.source']
    const pricedBefore = pipeline.metrics.spansPricedAtIngest
    expect(await pipeline.ingest([span!])).toEqual({ accepted: 1, rejected: 0, deduplicated: 0 })
    expect(pipeline.metrics.spansPricedAtIngest).toBe(pricedBefore + 1)
    await pipeline.drain(20_000)
    const [call] = await rows<{ Cost: string }>('SELECT toString(CostUsd) AS Cost FROM llm_calls WHERE Workflow = {workflow:String}', { workflow: 'priced-in-process' })
    expect(Number(call?.Cost)).toBeGreaterThan(0)
  })

  it('splits an export past the spans one request may carry, and stores every span', async () => {
    const exporter = new InProcessSpanExporter(pipeline)
    const spans = makeModelCallSpans(40, { workflow: 'split-export' })
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS)
    await pipeline.drain(20_000)
    expect(await countStoredSpans(pipeline.store, 'split-export', spans.map((span) => span.spanContext().spanId))).toEqual({ total: 40, unique: 40, acknowledged: 40 })
    expect(exporter.droppedSpans).toBe(0)
  })

  it('fails an export past its bound of exports in flight at once, and counts its spans', async () => {
    const exporter = new InProcessSpanExporter(pipeline, { maxExportsInFlight: 1 })
    const first = exportOnce(exporter, makeModelCallSpans(2, { workflow: 'in-flight-first' }))
    const second = await exportOnce(exporter, makeModelCallSpans(3, { workflow: 'in-flight-second' }))
    expect(second.code).toBe(ExportResultCode.FAILED)
    expect(second.error?.message).toMatch(/exports are being taken/)
    expect((await first).code).toBe(ExportResultCode.SUCCESS)
    expect(exporter.droppedSpans).toBe(3)
    await exporter.forceFlush()
    expect((await exportOnce(exporter, makeModelCallSpans(1, { workflow: 'in-flight-third' }))).code).toBe(ExportResultCode.SUCCESS)
  })

  it('reports FAILED, after shutdown, without calling into the pipeline', async () => {
    const exporter = new InProcessSpanExporter(pipeline)
    await exporter.shutdown()
    const before = pipeline.metrics.requestsTotal
    const result = await exportOnce(exporter, makeModelCallSpans(1, { workflow: 'after-shutdown' }))
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(pipeline.metrics.requestsTotal).toBe(before)
  })
})

describe('a pipeline whose queue is full (its store never answered)', () => {
  const fullDirectory = makeTempDirectory('in-process-full')
  let unreachable: Server
  let full: CollectorPipeline

  beforeAll(async () => {
    // A port the system gave out and took back: nobody listens there, so the flusher never drains the queue.
    unreachable = createServer()
    await new Promise<void>((resolve) => unreachable.listen(0, '127.0.0.1', resolve))
    const port = (unreachable.address() as AddressInfo).port
    await new Promise<void>((resolve) => unreachable.close(() => resolve()))
    full = await openCollectorPipeline({
      store: `http://default:pw@127.0.0.1:${port}/default`,
      queueDirectory: path.join(fullDirectory.path, 'queue'),
      queueMaxBytes: 64 * 1024,
      batchBytes: 16 * 1024,
      storeRequestTimeoutMs: 1_000,
      retryBaseDelayMs: 1_000,
    })
  })
  afterAll(async () => {
    await full?.close()
    fullDirectory.remove()
  })

  it('makes export FAILED with the queue-full error, never a throw into the SDK', async () => {
    expect(full.storePrepared).toBe(false)
    const exporter = new InProcessSpanExporter(full)
    const results: ExportResult[] = []
    for (let attempt = 0; attempt < 100 && results.every((result) => result.code === ExportResultCode.SUCCESS); attempt++) {
      results.push(await exportOnce(exporter, makeModelCallSpans(10, { workflow: `fill-${attempt}` })))
    }
    const failed = results.at(-1)!
    expect(failed.code).toBe(ExportResultCode.FAILED)
    expect(QueueFullError.isInstance(failed.error)).toBe(true)
    expect(results.slice(0, -1).every((result) => result.code === ExportResultCode.SUCCESS)).toBe(true)
    expect(results.length).toBeGreaterThan(1)
    // Shedding: the next export is refused before its spans are serialized, still FAILED, still no throw.
    const shedBefore = full.metrics.requestsShed
    const next = await exportOnce(exporter, makeModelCallSpans(1, { workflow: 'after-full' }))
    expect(next.code).toBe(ExportResultCode.FAILED)
    expect(QueueFullError.isInstance(next.error)).toBe(true)
    expect(full.metrics.requestsShed).toBe(shedBefore + 1)
  })

  it('refuses ingest once the pipeline stops accepting', async () => {
    full.stopAccepting()
    await expect(full.ingest(makeModelCallSpans(1, { workflow: 'closing' }))).rejects.toSatisfy((error) => QueueClosedError.isInstance(error))
  })
})
