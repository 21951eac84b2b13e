import { gzipSync } from 'node:zlib'
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api'
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { makeModelCallSpans, makeSpanFactory, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('collector-ingest')
let collector: Collector

beforeAll(async () => {
  collector = await startTestCollector(directory.path, { maxBodyBytes: 256 * 1024, maxAttributeValueBytes: 1024 })
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed'))))
  })
}

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await collector.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

function nanos(time: [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])
}

/** A small agent chain with every column feature: kinds, statuses, events, links, attribute types. */
function agentChain(marker: string): ReadableSpan[] {
  const factory = makeSpanFactory('agent-service')
  const root = factory.tracer.startSpan(`invoke_workflow ${marker}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.workflow.name': marker } })
  const rootContext = trace.setSpan(context.active(), root)
  const call = factory.tracer.startSpan('chat gpt-4.1', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 150,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.request.stream': true,
      'gen_ai.request.temperature': 0.25,
      'gen_ai.workflow.name': marker,
      'switchyard.step': 'plan',
      'switchyard.cost.usd': '0.0052',
      'switchyard.cost.source': 'catalog',
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

describe('the collector receives spans from the official OTLP exporters', () => {
  for (const [name, makeExporter] of [
    ['exporter-trace-otlp-proto', () => new OtlpProtoExporter({ url: `${collector.url}/v1/traces` })],
    ['exporter-trace-otlp-http (JSON)', () => new OtlpHttpJsonExporter({ url: `${collector.url}/v1/traces` })],
  ] as const) {
    it(`writes every column as the contrib exporter does, via ${name}`, async () => {
      const marker = `chain-${name.length}-${Date.now()}`
      const spans = agentChain(marker)
      const exporter = makeExporter()
      await exportWith(exporter, spans)
      await exporter.shutdown()
      await collector.drain(10_000)

      const stored = await rows<Record<string, unknown>>(
        `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS StartNanos, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
                ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage,
                Events.Name AS EventNames, Events.Attributes AS EventAttributes, Links.TraceId AS LinkTraceIds, Links.SpanId AS LinkSpanIds, Links.Attributes AS LinkAttributes
         FROM otel_traces WHERE TraceId = {traceId:String} ORDER BY Timestamp, SpanName`,
        { traceId: spans[0]!.spanContext().traceId },
      )
      expect(stored).toHaveLength(3)
      for (const span of spans) {
        const row = stored.find((candidate) => candidate.SpanId === span.spanContext().spanId)
        expect(row, span.name).toBeDefined()
        expect(row!.TraceId).toMatch(/^[0-9a-f]{32}$/)
        expect(row!.ParentSpanId).toBe(span.parentSpanContext?.spanId ?? '')
        expect(row!.SpanName).toBe(span.name)
        expect(row!.ServiceName).toBe('agent-service')
        expect(row!.ResourceAttributes).toMatchObject({ 'service.name': 'agent-service', 'deployment.environment.name': 'test' })
        expect(row!.ScopeName).toBe('test-scope')
        expect(row!.ScopeVersion).toBe('1.2.3')
        expect(String(row!.StartNanos)).toBe(String(nanos(span.startTime)))
        expect(row!.Duration).toBe(String(nanos(span.duration)))
      }
      const byName = (spanName: string) => stored.find((row) => row.SpanName === spanName)!
      expect(byName('chat gpt-4.1')).toMatchObject({
        SpanKind: 'Client',
        StatusCode: 'Ok',
        EventNames: ['switchyard.budget.decision'],
        EventAttributes: [{ action: 'warn', share: '0.82' }],
        LinkSpanIds: [spans.find((span) => span.name.startsWith('invoke_workflow'))!.spanContext().spanId],
        LinkAttributes: [{ reason: 'retry-of' }],
      })
      expect(byName('chat gpt-4.1').SpanAttributes).toMatchObject({
        'gen_ai.usage.input_tokens': '2000',
        'gen_ai.request.stream': 'true',
        'gen_ai.request.temperature': '0.25',
        'gen_ai.response.finish_reasons': '["stop"]',
        'switchyard.cost.usd': '0.0052',
      })
      expect(byName('tool lookup')).toMatchObject({ SpanKind: 'Internal', StatusCode: 'Error', StatusMessage: 'tool timed out' })
      expect(byName(`invoke_workflow ${marker}`)).toMatchObject({ SpanKind: 'Internal', StatusCode: 'Unset', ParentSpanId: '' })

      const calls = await rows<Record<string, unknown>>(
        'SELECT Workflow, Step, Provider, RequestModel, ResponseModel, toString(InputTokens) AS InputTokens, toString(CostUsd) AS Cost, Stream, Tags FROM llm_calls WHERE Workflow = {workflow:String}',
        { workflow: marker },
      )
      expect(calls).toEqual([{
        Workflow: marker, Step: 'plan', Provider: 'openai', RequestModel: 'gpt-4.1', ResponseModel: 'gpt-4.1-2025-04-14',
        InputTokens: '2000', Cost: '0.0052', Stream: true, Tags: { tenant: 'acme' },
      }])
    })
  }
})

describe('requests in flight at once', () => {
  it('land intact when their rows reuse pooled memory: every span once, with its own attributes', async () => {
    // 200 spans a request encode to about 110 KB of rows, which takes a pooled slab. Two
    // waves of 12: the second wave's rows are written into slabs the first wave released.
    const waves = 2
    const perWave = 12
    const sent = new Map<string, string>()
    for (let wave = 0; wave < waves; wave++) {
      const bodies = Array.from({ length: perWave }, (_, index) => {
        const spans = makeModelCallSpans(200, { workflow: `pooled-${wave}-${index}` })
        for (const span of spans) sent.set(span.spanContext().spanId, `pooled-${wave}-${index}/${String(span.attributes.sequence)}`)
        return serializeSpans(spans, 'protobuf')
      })
      const answers = await Promise.all(bodies.map((body) => postTraces(collector.url, body, { 'content-type': 'application/x-protobuf' })))
      expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 200))
    }
    await collector.drain(10_000)
    const stored = await rows<{ SpanId: string; tag: string }>(
      "SELECT SpanId, concat(SpanAttributes['gen_ai.workflow.name'], '/', SpanAttributes['sequence']) AS tag FROM otel_traces WHERE startsWith(SpanAttributes['gen_ai.workflow.name'], 'pooled-')",
    )
    expect(stored).toHaveLength(sent.size)
    expect(new Map(stored.map((row) => [row.SpanId, row.tag]))).toEqual(sent)
  })
})

describe('bad input gets a clear 4xx and the next good request still gets 200', () => {
  const good = (): Buffer => serializeSpans(makeModelCallSpans(3, { workflow: 'after-bad-input' }), 'protobuf')
  const protobuf = { 'content-type': 'application/x-protobuf' }

  async function expectStillServing(): Promise<void> {
    const answer = await postTraces(collector.url, good(), protobuf)
    expect(answer.status).toBe(200)
  }

  it('truncated protobuf', async () => {
    const body = good()
    const answer = await postTraces(collector.url, body.subarray(0, body.length - 7), protobuf)
    expect(answer.status).toBe(400)
    expect(answer.headers.get('content-type')).toBe('application/x-protobuf')
    expect(answer.body.toString('latin1')).toMatch(/malformed OTLP protobuf/)
    await expectStillServing()
  })

  it('garbage protobuf', async () => {
    const answer = await postTraces(collector.url, Buffer.from('\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff garbage', 'latin1'), protobuf)
    expect(answer.status).toBe(400)
    await expectStillServing()
  })

  it('invalid JSON, answered in JSON', async () => {
    const answer = await postTraces(collector.url, '{"resourceSpans": [', { 'content-type': 'application/json' })
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 3, message: expect.stringMatching(/malformed OTLP JSON/) })
    await expectStillServing()
  })

  it('a content type other than protobuf or JSON', async () => {
    const answer = await postTraces(collector.url, 'hello', { 'content-type': 'text/plain' })
    expect(answer.status).toBe(415)
    expect(answer.body.toString()).toMatch(/application\/x-protobuf or application\/json/)
    await expectStillServing()
  })

  it('a body over the limit', async () => {
    const answer = await postTraces(collector.url, Buffer.alloc(300 * 1024, 1), protobuf)
    expect(answer.status).toBe(413)
    await expectStillServing()
  })

  it('a gzip bomb: 413 once the decompressed size passes the limit, without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(256 * 1024)
    const before = process.memoryUsage().rss
    const answer = await postTraces(collector.url, bomb, { ...protobuf, 'content-encoding': 'gzip' })
    expect(answer.status).toBe(413)
    expect(answer.body.toString('latin1')).toMatch(/decompressed request body is over the limit/)
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024)
    await expectStillServing()
  })

  it('gzip-encoded requests are accepted', async () => {
    const answer = await postTraces(collector.url, gzipSync(good()), { ...protobuf, 'content-encoding': 'gzip' })
    expect(answer.status).toBe(200)
  })

  it('ids of the wrong length: those spans are rejected with a partial-success count, the rest accepted', async () => {
    const json = JSON.parse(serializeSpans(makeModelCallSpans(3, { workflow: 'partial' }), 'json').toString()) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[]
    }
    const spans = json.resourceSpans[0]!.scopeSpans[0]!.spans
    spans[0]!.traceId = 'abcd'
    spans[1]!.spanId = '00'
    const answer = await postTraces(collector.url, JSON.stringify(json), { 'content-type': 'application/json' })
    expect(answer.status).toBe(200)
    const response = JSON.parse(answer.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } }
    expect(Number(response.partialSuccess.rejectedSpans)).toBe(2)
    expect(response.partialSuccess.errorMessage).toMatch(/traceId|spanId/)
    await collector.drain(10_000)
    const [stored] = await rows<{ count: string }>("SELECT toString(count()) AS count FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = 'partial'")
    expect(stored?.count).toBe('1')
  })

  it('a huge attribute value is truncated, not refused', async () => {
    const factory = makeSpanFactory()
    const span = factory.tracer.startSpan('chat huge', { attributes: { prompt: 'é'.repeat(100_000), marker: 'huge-attribute' } })
    span.end()
    const answer = await postTraces(collector.url, serializeSpans(factory.take(), 'protobuf'), protobuf)
    expect(answer.status).toBe(200)
    await collector.drain(10_000)
    const [stored] = await rows<{ bytes: string }>("SELECT toString(length(SpanAttributes['prompt'])) AS bytes FROM otel_traces WHERE SpanAttributes['marker'] = 'huge-attribute'")
    expect(Number(stored?.bytes)).toBeLessThanOrEqual(1024)
    expect(Number(stored?.bytes)).toBeGreaterThan(1000)
  })

  it('unknown paths and methods', async () => {
    expect((await fetch(`${collector.url}/v1/logs`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${collector.url}/v1/traces`)).status).toBe(405)
  })
})

describe('health and metrics', () => {
  it('is healthy when the store answers, and counts what it did in Prometheus text', async () => {
    const health = await fetch(`${collector.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'ok' })
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    expect(metrics).toMatch(/^switchyard_collector_spans_written_total [1-9]\d*$/m)
    expect(metrics).toMatch(/^switchyard_collector_spans_rejected_total 2$/m)
    expect(metrics).toMatch(/^switchyard_collector_queue_bytes \d+$/m)
    expect(metrics).toMatch(/^switchyard_collector_insert_duration_seconds_count [1-9]\d*$/m)
  })
})

describe('the report endpoint for an embedded store', () => {
  it('answers GET /v1/report with the spend of what was ingested, and 400 for a bad parameter', async () => {
    const answer = await fetch(`${collector.url}/v1/report?since=24h&by=workflow`)
    expect(answer.status).toBe(200)
    const body = await answer.json() as { rows: { group: Record<string, string>; costUsd: string; calls: number }[] }
    const partial = body.rows.find((row) => row.group.workflow === 'partial')
    expect(partial).toMatchObject({ calls: 1, costUsd: '0.0001' })
    expect((await fetch(`${collector.url}/v1/report?since=banana`)).status).toBe(400)
  })
})

describe('the spend endpoint for routers whose budgets read an embedded store', () => {
  it('answers GET /v1/spend with an exact decimal, and 400 for a bad window', async () => {
    const answer = await fetch(`${collector.url}/v1/spend?workflow=partial&window=24h`)
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ spentUsd: '0.0001' })
    expect((await fetch(`${collector.url}/v1/spend?workflow=partial&window=banana`)).status).toBe(400)
  })

  it('takes the same parameters as a POSTed form, which is how routers send many span ids', async () => {
    const answer = await fetch(`${collector.url}/v1/spend`, { method: 'POST', body: new URLSearchParams({ workflow: 'partial', window: '24h', spanIds: 'ffffffffffffffff' }) })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ spentUsd: '0.0001', seenSpanIds: [] })
    const put = await fetch(`${collector.url}/v1/spend`, { method: 'PUT', body: 'window=24h' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, POST')
  })
})
