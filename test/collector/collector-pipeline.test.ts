import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api'
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCollectorPipeline, type CollectorPipeline } from '../../src/collector/open-collector-pipeline.js'
import { resolveDecodeLimits } from '../../src/collector/otlp/decode-limits.js'
import { readableSpanRows } from '../../src/collector/readable-span-rows.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans, makeSpanFactory, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('collector-pipeline')
const pipelineOptions = {
  store: `chdb://${path.join(directory.path, 'store')}`,
  queueDirectory: path.join(directory.path, 'queue'),
  batchIntervalMs: 50,
}
let pipeline: CollectorPipeline
/** The test's own server: its door is a header of its own, its 404 its own words; the pipeline's routes are mounted. */
let server: Server
let url: string

beforeAll(async () => {
  pipeline = await openCollectorPipeline(pipelineOptions)
  server = createServer((request, response) => {
    if (request.headers['x-owner-key'] !== 'owner-key') {
      response.writeHead(401, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { message: 'owner refused', type: 'auth' } }))
      return
    }
    void pipeline.handle(request, response).then((served) => {
      if (served) return
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { message: 'not the owner\'s route either', type: 'not_found' } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()))
  await pipeline?.close()
  directory.remove()
})

const owner = { 'x-owner-key': 'owner-key' }

describe('a pipeline mounted on a server someone else owns', () => {
  it('serves POST /v1/traces there: the spans are on disk when it answers 200, and reach ClickHouse', async () => {
    const spans = makeModelCallSpans(4, { workflow: 'mounted-traces' })
    const answer = await postTraces(url, serializeSpans(spans, 'protobuf'), { ...owner, 'content-type': 'application/x-protobuf' })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/x-protobuf')
    expect(pipeline.metrics.spansAccepted).toBeGreaterThanOrEqual(4)
    await pipeline.drain(20_000)
    expect(await countStoredSpans(pipeline.store, 'mounted-traces', spans.map((span) => span.spanContext().spanId))).toEqual({ total: 4, unique: 4, acknowledged: 4 })
  })

  it('returns false for a path it does not serve, so the owner answers 404 in its own format', async () => {
    const response = await fetch(`${url}/other`, { headers: owner })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { message: 'not the owner\'s route either', type: 'not_found' } })
  })

  it('answers a served path with another method itself: 405 naming the methods', async () => {
    const response = await fetch(`${url}/v1/traces`, { headers: owner })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('leaves the door to the owner: no token of its own is asked for', async () => {
    const refused = await fetch(`${url}/healthz`)
    expect(refused.status).toBe(401)
    const health = await fetch(`${url}/healthz`, { headers: owner })
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'ok' })
    expect((await fetch(`${url}/readyz`, { headers: owner })).status).toBe(200)
  })

  it('shows /healthz without its details when the owner says the caller did not pass its door', async () => {
    const probeServer = createServer((request, response) => {
      void pipeline.handle(request, response, { detailed: false })
    })
    await new Promise<void>((resolve) => probeServer.listen(0, '127.0.0.1', resolve))
    try {
      const health = await fetch(`http://127.0.0.1:${(probeServer.address() as AddressInfo).port}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
    } finally {
      await new Promise<void>((resolve) => probeServer.close(() => resolve()))
    }
  })

  it('serves /metrics, and renderMetrics gives the same counters for the owner\'s own /metrics', async () => {
    const response = await fetch(`${url}/metrics`, { headers: owner })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toMatch(/^switchyard_collector_spans_accepted_total \d+$/m)
    expect(pipeline.renderMetrics()).toMatch(/^switchyard_collector_spans_accepted_total \d+$/m)
  })

  it('serves /v1/spend and /v1/report from its store', async () => {
    // The four spans of the first test, at the helper's $0.0001 each.
    const spend = await fetch(`${url}/v1/spend?window=24h&workflow=mounted-traces`, { headers: owner })
    expect(spend.status).toBe(200)
    expect(await spend.json()).toMatchObject({ spentUsd: '0.0004' })
    const report = await fetch(`${url}/v1/report`, { headers: owner })
    expect(report.status).toBe(200)
  })

  it('stores once spans that came over its /v1/traces and then from this process: one dedup for both doors', async () => {
    const spans = makeModelCallSpans(3, { workflow: 'both-doors' })
    expect((await postTraces(url, serializeSpans(spans, 'json'), { ...owner, 'content-type': 'application/json' })).status).toBe(200)
    expect(await pipeline.ingest(spans)).toEqual({ accepted: 0, rejected: 0, deduplicated: 3 })
    await pipeline.drain(20_000)
    expect((await countStoredSpans(pipeline.store, 'both-doors', [])).total).toBe(3)
  })

  it('counts invalid spans of an in-process export as rejected, as POST /v1/traces does', async () => {
    const [span] = makeModelCallSpans(1, { workflow: 'invalid-in-process' })
    // An all-zero span id is invalid in OTLP; the SDK serializes what it is given.
    const invalid = { ...span!, spanContext: () => ({ ...span!.spanContext(), spanId: '0000000000000000' }) }
    const outcome = await pipeline.ingest([invalid])
    expect(outcome.accepted).toBe(0)
    expect(outcome.rejected).toBe(1)
    expect(outcome.errorMessage).toMatch(/span/i)
  })
})

describe('close', () => {
  it('flushes what was ingested, an ingest in flight included: nothing is left in the queue for the next start', async () => {
    const spans = makeModelCallSpans(6, { workflow: 'flushed-at-close' })
    await new Promise<void>((resolve) => server.close(() => resolve()))
    // Not awaited: close begins while the append waits for its fsync, and waits for it.
    const ingested = pipeline.ingest(spans)
    await pipeline.close()
    expect(await ingested).toEqual({ accepted: 6, rejected: 0, deduplicated: 0 })
    pipeline = await openCollectorPipeline(pipelineOptions)
    expect(pipeline.queue.stats().rows).toBe(0)
    expect(await countStoredSpans(pipeline.store, 'flushed-at-close', spans.map((span) => span.spanContext().spanId))).toEqual({ total: 6, unique: 6, acknowledged: 6 })
  })
})

describe('the two ways in', () => {
  it('store the same rows: an official OTLP exporter over the mounted /v1/traces, and ingest from this process', async () => {
    await pipeline.close()
    // Without dedup, so that each span is stored once per way in and the two rows can be compared.
    pipeline = await openCollectorPipeline({ ...pipelineOptions, dedupWindowMs: 0 })
    // Passed on unbound, as an owner may: the pipeline's methods carry their own `this`.
    const { handle } = pipeline
    const mounted = createServer((request, response) => {
      void handle(request, response).then((served) => {
        if (!served) response.writeHead(404).end()
      })
    })
    await new Promise<void>((resolve) => mounted.listen(0, '127.0.0.1', resolve))
    try {
      const spans = richChain('two-ways-in')
      // Every span here is one whose row ingest builds straight from the span, without protobuf.
      expect(readableSpanRows(spans, resolveDecodeLimits({}))).toBeDefined()
      const stored = await storedBothWays(mounted, spans)
      const call = stored.find((row) => row.SpanName === 'chat gpt-4.1')
      expect(call).toMatchObject({ SpanKind: 'Client', StatusCode: 'Ok', 'Events.Name': ['switchyard.budget.decision'], 'Links.SpanId': [spans.find((span) => span.name.startsWith('invoke_workflow'))!.spanContext().spanId] })
      // Priced at ingest on both ways in.
      expect((call?.SpanAttributes as Record<string, string>)['switchyard.cost.source']).toBe('catalog')
    } finally {
      await new Promise<void>((resolve) => mounted.close(() => resolve()))
    }
  })

  it('store the same rows for values at the edges, and for a batch ingest leaves to the OTLP path (a value to cut)', async () => {
    const { handle } = pipeline
    const mounted = createServer((request, response) => {
      void handle(request, response).then((served) => {
        if (!served) response.writeHead(404).end()
      })
    })
    await new Promise<void>((resolve) => mounted.listen(0, '127.0.0.1', resolve))
    try {
      const factory = makeSpanFactory('edge-service')
      const edge = factory.tracer.startSpan('edge values', {
        kind: SpanKind.PRODUCER,
        attributes: {
          'text.escapes': 'say "hi" \\ \n\t\u0000 \u2028 é 漢字 🚀',
          'text.empty': '',
          'int.negative': -42,
          'int.max-safe': Number.MAX_SAFE_INTEGER,
          'double.small': -2.5e-7,
          'double.large': 1.5e300,
          'double.nan': Number.NaN,
          'array.strings': ['a', '"b"', '\u2028'],
          'array.numbers': [1, -0, 2.5],
          'array.with-nan': [1, Number.NaN],
        },
      })
      edge.addEvent('bare')
      edge.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: "quoted"\n' })
      edge.end()
      const direct = factory.take()
      expect(readableSpanRows(direct, resolveDecodeLimits({}))).toBeDefined()
      await storedBothWays(mounted, direct)

      const cut = factory.tracer.startSpan('a value to cut', { attributes: { prompt: 'p'.repeat(70 * 1024) } })
      cut.end()
      const fallback = factory.take()
      expect(readableSpanRows(fallback, resolveDecodeLimits({}))).toBeUndefined()
      const [stored] = await storedBothWays(mounted, fallback)
      expect((stored?.SpanAttributes as Record<string, string>).prompt).toHaveLength(64 * 1024)
    } finally {
      await new Promise<void>((resolve) => mounted.close(() => resolve()))
    }
  })
})

/**
 * Sends `spans` with the official OTLP exporter to the mounted /v1/traces, then ingests
 * them in this process, and returns every column of the stored rows, ordered so that the
 * two rows of each span sit side by side; each pair is checked equal here.
 */
async function storedBothWays(mounted: Server, spans: ReturnType<typeof richChain>): Promise<Record<string, unknown>[]> {
  const exporter = new OtlpProtoExporter({ url: `http://127.0.0.1:${(mounted.address() as AddressInfo).port}/v1/traces` })
  const exported = await new Promise<number>((resolve) => exporter.export(spans, (result) => resolve(result.code)))
  expect(exported).toBe(0)
  await exporter.shutdown()
  expect(await pipeline.ingest(spans)).toEqual({ accepted: spans.length, rejected: 0, deduplicated: 0 })
  await pipeline.drain(20_000)
  const result = await pipeline.store.client.query({
    query: 'SELECT * FROM otel_traces WHERE TraceId IN {traceIds:Array(String)} ORDER BY TraceId, SpanId',
    query_params: { traceIds: [...new Set(spans.map((span) => span.spanContext().traceId))] },
    format: 'JSONEachRow',
  })
  const stored = await result.json<Record<string, unknown>>()
  expect(stored).toHaveLength(2 * spans.length)
  for (let index = 0; index < stored.length; index += 2) expect(stored[index + 1]).toEqual(stored[index])
  return stored
}

/** Spans with every column feature: kinds, statuses, an event, a link, attribute types, and no cost (priced at ingest). */
function richChain(marker: string): ReturnType<ReturnType<typeof makeSpanFactory>['take']> {
  const factory = makeSpanFactory('agent-service')
  const root = factory.tracer.startSpan(`invoke_workflow ${marker}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.workflow.name': marker } })
  const rootContext = trace.setSpan(context.active(), root)
  const call = factory.tracer.startSpan('chat gpt-4.1', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 150,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.request.temperature': 0.25,
      'gen_ai.workflow.name': marker,
      'switchyard.tag.tenant': 'acme',
    },
    links: [{ context: root.spanContext(), attributes: { reason: 'retry-of' } }],
  }, rootContext)
  call.addEvent('switchyard.budget.decision', { action: 'warn', share: 0.82 })
  call.setStatus({ code: SpanStatusCode.OK })
  call.end()
  const failing = factory.tracer.startSpan('tool lookup', { kind: SpanKind.INTERNAL }, rootContext)
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'tool timed out' })
  failing.end()
  root.end()
  return factory.take()
}
