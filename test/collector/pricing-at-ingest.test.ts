import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { makeSpanFactory, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { hex, jsonLines, modelCallRow } from '../store/store-suite.js'

const directory = makeTempDirectory('pricing-at-ingest')
let collector: Collector

// A model whose price halves on 2026-03-01: a call is priced by the entry in force at its time.
const pricesFile = path.join(directory.path, 'prices.json')
writeFileSync(pricesFile, JSON.stringify({
  entries: [
    { provider: 'acme', model: 'acme-large', aliases: ['acme-large-2026-01-01'], effectiveFrom: '2026-01-01', source: 'https://acme.example/pricing', prices: { input: '4', cachedInput: '0.4', output: '16' } },
    { provider: 'acme', model: 'acme-large', aliases: ['acme-large-2026-01-01'], effectiveFrom: '2026-03-01', source: 'https://acme.example/pricing', prices: { input: '2', cachedInput: '0.2', output: '8' } },
  ],
}))

beforeAll(async () => {
  collector = await startTestCollector(directory.path, { pricesFile })
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

async function costOf(workflow: string): Promise<{ cost: string; source: string; version: string }[]> {
  const result = await collector.store.client.query({
    query: 'SELECT toString(CostUsd) AS cost, CostSource AS source, PriceVersion AS version FROM llm_calls WHERE Workflow = {workflow:String} ORDER BY Timestamp',
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  return result.json()
}

/** A span as the official OpenTelemetry GenAI instrumentation would send it: usage, no cost. */
function thirdPartySpan(workflow: string, startTime: Date): Buffer {
  const factory = makeSpanFactory('third-party-agent')
  const span = factory.tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 12_000,
      'gen_ai.usage.cache_read.input_tokens': 10_000,
      'gen_ai.usage.output_tokens': 800,
      'gen_ai.workflow.name': workflow,
    },
  })
  span.end(new Date(startTime.getTime() + 1_500))
  return serializeSpans(factory.take(), 'protobuf')
}

describe('pricing spans that arrive without a cost', () => {
  // gpt-4o (2024-08-06 snapshot, $2.50 / $1.25 cached / $10 per million):
  //   2,000 uncached × 2.50 = 0.005, 10,000 cached × 1.25 = 0.0125, 800 output × 10 = 0.008 → 0.0255
  const expected = '0.0255'

  it('prices a third-party GenAI span at ingest in our collector', async () => {
    const answer = await postTraces(collector.url, thirdPartySpan('third-party-ours', new Date('2026-06-01T12:00:00Z')), { 'content-type': 'application/x-protobuf' })
    expect(answer.status).toBe(200)
    await collector.drain(10_000)
    expect(await costOf('third-party-ours')).toEqual([{ cost: expected, source: 'catalog', version: expect.stringContaining('gpt-4o') }])
    expect(collector.metrics.spansPricedAtIngest).toBe(1)
  })

  it('prices the same span the same way when the official collector wrote it straight into otel_traces', async () => {
    const row = modelCallRow({ workflow: 'third-party-official', seconds: Date.parse('2026-06-01T12:00:00Z') / 1000 })
    row.SpanAttributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': '12000',
      'gen_ai.usage.cache_read.input_tokens': '10000',
      'gen_ai.usage.output_tokens': '800',
      'gen_ai.workflow.name': 'third-party-official',
    }
    await insertJsonRows({ store: collector.store, table: 'otel_traces', body: jsonLines([row]), deduplicationToken: `official-${hex(4)}` })
    expect(await costOf('third-party-official')).toEqual([{ cost: expected, source: 'catalog', version: expect.stringContaining('gpt-4o') }])
  })

  it('uses the price in force at the call time, on both paths, from a user price file', async () => {
    // 1,000 input (none cached) and 500 output: before 2026-03-01 4 × 0.001 + 16 × 0.0005 = 0.012; after, half: 0.006.
    const rows = ['2026-02-15T00:00:00Z', '2026-03-15T00:00:00Z'].map((time) => {
      const row = modelCallRow({ workflow: 'price-change', seconds: Date.parse(time) / 1000 })
      row.SpanAttributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'acme',
        'gen_ai.request.model': 'acme-large',
        'gen_ai.response.model': 'acme-large-2026-01-01',
        'gen_ai.usage.input_tokens': '1000',
        'gen_ai.usage.output_tokens': '500',
        'gen_ai.workflow.name': 'price-change',
      }
      return row
    })
    await insertJsonRows({ store: collector.store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `change-${hex(4)}` })
    const viaView = await costOf('price-change')
    expect(viaView.map((row) => row.cost)).toEqual(['0.012', '0.006'])

    const factory = makeSpanFactory()
    for (const time of ['2026-02-15T00:00:00Z', '2026-03-15T00:00:00Z']) {
      factory.tracer.startSpan('chat acme-large', {
        kind: SpanKind.CLIENT,
        startTime: new Date(time),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'acme',
          'gen_ai.request.model': 'acme-large',
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 500,
          'gen_ai.workflow.name': 'price-change-collector',
        },
      }).end(new Date(Date.parse(time) + 1000))
    }
    expect((await postTraces(collector.url, serializeSpans(factory.take(), 'protobuf'), { 'content-type': 'application/x-protobuf' })).status).toBe(200)
    await collector.drain(10_000)
    expect((await costOf('price-change-collector')).map((row) => row.cost)).toEqual(['0.012', '0.006'])
  })

  it('keeps a cost the span already carries, and marks an unpriced model unknown', async () => {
    const carried = modelCallRow({ workflow: 'carried-cost', cost: '0.123' })
    const unknown = modelCallRow({ workflow: 'carried-cost' })
    unknown.SpanAttributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'nobody', 'gen_ai.request.model': 'mystery-1', 'gen_ai.usage.input_tokens': '5', 'gen_ai.workflow.name': 'carried-cost' }
    await insertJsonRows({ store: collector.store, table: 'otel_traces', body: jsonLines([carried, unknown]), deduplicationToken: `carried-${hex(4)}` })
    const costs = await costOf('carried-cost')
    expect(costs.map((row) => [row.cost, row.source]).sort()).toEqual([['0', 'unknown'], ['0.123', 'catalog']])
  })
})
