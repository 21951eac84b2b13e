import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { makeSpanFactory, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { hex, jsonLines, modelCallRow } from '../store/store-suite.js'

const directory = makeTempDirectory('cost-validation')
let collector: Collector

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

type Attributes = Record<string, string | number>

// Three hours ago: /v1/spend over 24 hours reads these calls from the rollups, not llm_calls.
const callTime = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000 + 10_000)

/**
 * A gpt-4.1-mini call ($0.40 input, $1.60 output per million): 1,000 input and 500
 * output tokens cost 0.0004 + 0.0008 = 0.0012 when priced from its tokens.
 */
function call(workflow: string, attributes: Attributes = {}): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4.1-mini',
    'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 500,
    'gen_ai.workflow.name': workflow,
    ...attributes,
  }
}
const pricedFromTokens = '0.0012'

/** Send model-call spans through our collector as an SDK would, and wait until they are in the store. */
async function sendThroughCollector(calls: Attributes[]): Promise<void> {
  const factory = makeSpanFactory()
  for (const attributes of calls) {
    factory.tracer.startSpan('chat gpt-4.1-mini', { kind: SpanKind.CLIENT, startTime: callTime, attributes }).end(new Date(callTime.getTime() + 1_000))
  }
  const answer = await postTraces(collector.url, serializeSpans(factory.take(), 'protobuf'), { 'content-type': 'application/x-protobuf' })
  expect(answer.status).toBe(200)
  await collector.drain(10_000)
}

/** Write the same calls straight into otel_traces, as the official collector's clickhouse exporter does. */
async function writeAsOfficialCollector(calls: Attributes[]): Promise<void> {
  const rows = calls.map((attributes) => {
    const row = modelCallRow({ seconds: callTime.getTime() / 1000 })
    row.SpanAttributes = Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, String(value)]))
    return row
  })
  await insertJsonRows({ store: collector.store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `official-${hex(4)}` })
}

interface CallRow {
  cost: string
  source: string
  version: string
  input: string
  output: string
  cacheRead: string
}

async function callsOf(workflow: string): Promise<CallRow[]> {
  const result = await collector.store.client.query({
    query: `SELECT toString(CostUsd) AS cost, CostSource AS source, PriceVersion AS version, toString(InputTokens) AS input,
        toString(OutputTokens) AS output, toString(CacheReadInputTokens) AS cacheRead
      FROM llm_calls WHERE Workflow = {workflow:String} ORDER BY CostUsd`,
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  return result.json()
}

async function storedAttributes(workflow: string): Promise<Record<string, string>[]> {
  const result = await collector.store.client.query({
    query: "SELECT SpanAttributes AS attributes FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}",
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  return (await result.json<{ attributes: Record<string, string> }>()).map((row) => row.attributes)
}

async function rollupTotals(workflow: string): Promise<{ minute: string; hour: string }> {
  const result = await collector.store.client.query({
    query: `SELECT
        (SELECT toString(sum(CostUsd)) FROM llm_spend_minute WHERE Workflow = {workflow:String}) AS minute,
        (SELECT toString(sum(CostUsd)) FROM llm_spend_hour WHERE Workflow = {workflow:String}) AS hour`,
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  const [totals] = await result.json<{ minute: string; hour: string }>()
  return totals!
}

async function spend(workflow: string, extra = ''): Promise<{ status: number; body: { spentUsd?: string; from?: string } }> {
  const response = await fetch(`${collector.url}/v1/spend?workflow=${encodeURIComponent(workflow)}&window=24h${extra}`)
  return { status: response.status, body: await response.json() as { spentUsd?: string; from?: string } }
}

async function reportTotal(workflow: string): Promise<{ status: number; costUsd?: string }> {
  const response = await fetch(`${collector.url}/v1/report?workflow=${encodeURIComponent(workflow)}&since=24h`)
  const body = await response.json() as { total?: { costUsd: string } }
  return { status: response.status, costUsd: body.total?.costUsd }
}

/** /v1/spend over the rollups (the default for a call three hours old) and over llm_calls alone. */
async function expectSpend(workflow: string, spentUsd: string): Promise<void> {
  const fromRollups = await spend(workflow)
  expect(fromRollups).toEqual({ status: 200, body: expect.objectContaining({ spentUsd }) })
  const fromCalls = await spend(workflow, `&recentFrom=${fromRollups.body.from}`)
  expect(fromCalls).toEqual({ status: 200, body: expect.objectContaining({ spentUsd }) })
}

describe('a cost a span claims is taken only when it is a plain decimal within bounds', () => {
  it('prices a -4.99 sent next to a real $5 call from its tokens: llm_calls, the rollups and /v1/spend say 5.0012', async () => {
    const rejectedBefore = collector.metrics.spendAttributesRejected
    await sendThroughCollector([
      call('negative-cost', { 'switchyard.cost.usd': '5', 'switchyard.cost.source': 'provider' }),
      call('negative-cost', { 'switchyard.cost.usd': '-4.99', 'switchyard.cost.source': 'catalog', 'switchyard.price.version': 'made-up' }),
    ])
    expect(await callsOf('negative-cost')).toEqual([
      expect.objectContaining({ cost: pricedFromTokens, source: 'catalog', version: expect.stringContaining('gpt-4.1-mini') }),
      expect.objectContaining({ cost: '5', source: 'provider', version: '' }),
    ])
    expect(await rollupTotals('negative-cost')).toEqual({ minute: '5.0012', hour: '5.0012' })
    await expectSpend('negative-cost', '5.0012')
    expect(await reportTotal('negative-cost')).toEqual({ status: 200, costUsd: '5.0012' })

    // The refused claim is kept whole for audit, and counted.
    const refused = (await storedAttributes('negative-cost')).find((attributes) => attributes['switchyard.rejected.switchyard.cost.usd'] !== undefined)
    expect(refused).toMatchObject({
      'switchyard.rejected.switchyard.cost.usd': '-4.99',
      'switchyard.rejected.switchyard.cost.source': 'catalog',
      'switchyard.rejected.switchyard.price.version': 'made-up',
      'switchyard.cost.usd': pricedFromTokens,
      'switchyard.cost.source': 'catalog',
    })
    expect(collector.metrics.spendAttributesRejected - rejectedBefore).toBe(1)
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`^switchyard_collector_spend_attributes_rejected_total ${collector.metrics.spendAttributesRejected}$`, 'm'))
  })

  it('keeps /v1/spend and the report at 200 with the true total when spans claim -1000 or two costs near the Decimal(38, 12) limit', async () => {
    const nearLimit = '99999999999999999999999999'
    await sendThroughCollector([
      call('overflow', { 'switchyard.cost.usd': '2', 'switchyard.cost.source': 'provider' }),
      call('overflow', { 'switchyard.cost.usd': '-1000', 'switchyard.cost.source': 'catalog' }),
      call('overflow', { 'switchyard.cost.usd': nearLimit, 'switchyard.cost.source': 'provider' }),
      call('overflow', { 'switchyard.cost.usd': nearLimit, 'switchyard.cost.source': 'provider' }),
    ])
    // 2 + three calls priced from their tokens.
    expect(await rollupTotals('overflow')).toEqual({ minute: '2.0036', hour: '2.0036' })
    await expectSpend('overflow', '2.0036')
    expect(await reportTotal('overflow')).toEqual({ status: 200, costUsd: '2.0036' })
  })

  it('prices a -4.99 written straight into otel_traces (the official collector) from its tokens in the store view', async () => {
    await writeAsOfficialCollector([
      call('official-negative-cost', { 'switchyard.cost.usd': '5', 'switchyard.cost.source': 'provider' }),
      call('official-negative-cost', { 'switchyard.cost.usd': '-4.99', 'switchyard.cost.source': 'catalog' }),
      call('official-negative-cost', { 'switchyard.cost.usd': '1e10', 'switchyard.cost.source': 'provider' }),
    ])
    expect((await callsOf('official-negative-cost')).map((row) => [row.cost, row.source])).toEqual([
      [pricedFromTokens, 'catalog'], [pricedFromTokens, 'catalog'], ['5', 'provider'],
    ])
    expect(await rollupTotals('official-negative-cost')).toEqual({ minute: '5.0024', hour: '5.0024' })
    await expectSpend('official-negative-cost', '5.0024')
  })

  // Each claim goes through our collector and, as written, straight into otel_traces;
  // both paths must give the same llm_calls row.
  const refusedCosts: [text: string, source: string | undefined][] = [
    ['-4.99', 'catalog'], ['-1000', 'catalog'], ['-0', 'catalog'], ['1e10', 'provider'], ['1e2', 'catalog'],
    [' 5', 'catalog'], ['5 ', 'catalog'], ['+5', 'catalog'], ['0x10', 'catalog'], ['NaN', 'catalog'], ['Infinity', 'catalog'],
    ['5.', 'catalog'], ['.5', 'catalog'], ['', 'catalog'], ['1,5', 'catalog'], ['1.1234567890123', 'catalog'],
    ['10000.000000000001', 'provider'], ['10001', 'provider'], ['99999999999999999999999999', 'provider'], ['9'.repeat(100), 'provider'],
    ['5', 'bogus'], ['5', 'unknown'], ['5', undefined],
  ]
  const takenCosts: [text: string, source: string, stored: string][] = [
    ['5', 'provider', '5'], ['10000', 'provider', '10000'], ['0.000000000001', 'catalog', '0.000000000001'],
    ['0', 'catalog', '0'], ['2.50', 'estimate', '2.5'], ['007', 'catalog', '7'],
  ]

  it('refuses a signed, exponent, spaced, hex, NaN, dotted, over-precise or over-bound cost, or one of an unknown source, on both paths alike', async () => {
    const rejectedBefore = collector.metrics.spendAttributesRejected
    const claim = (text: string, source: string | undefined): Attributes => ({ 'switchyard.cost.usd': text, ...(source === undefined ? {} : { 'switchyard.cost.source': source }) })
    await sendThroughCollector(refusedCosts.map(([text, source], index) => call(`refused-${index}`, claim(text, source))))
    await writeAsOfficialCollector(refusedCosts.map(([text, source], index) => call(`official-refused-${index}`, claim(text, source))))
    for (const [index, [text, source]] of refusedCosts.entries()) {
      const ours = await callsOf(`refused-${index}`)
      expect(ours, `${JSON.stringify(text)} from ${source}`).toEqual([expect.objectContaining({ cost: pricedFromTokens, source: 'catalog', version: expect.stringContaining('gpt-4.1-mini') })])
      expect(await callsOf(`official-refused-${index}`), `${JSON.stringify(text)} from ${source}, official collector`).toEqual(ours)
      const [attributes] = await storedAttributes(`refused-${index}`)
      expect(attributes?.['switchyard.rejected.switchyard.cost.usd']).toBe(text.slice(0, 64))
    }
    expect(collector.metrics.spendAttributesRejected - rejectedBefore).toBe(refusedCosts.length)
  })

  it('takes a plain decimal within bounds with a known source as written, on both paths alike', async () => {
    const rejectedBefore = collector.metrics.spendAttributesRejected
    const claim = (text: string, source: string): Attributes => ({ 'switchyard.cost.usd': text, 'switchyard.cost.source': source, 'switchyard.price.version': 'v1' })
    await sendThroughCollector(takenCosts.map(([text, source], index) => call(`taken-${index}`, claim(text, source))))
    await writeAsOfficialCollector(takenCosts.map(([text, source], index) => call(`official-taken-${index}`, claim(text, source))))
    for (const [index, [text, source, stored]] of takenCosts.entries()) {
      const ours = await callsOf(`taken-${index}`)
      expect(ours, text).toEqual([expect.objectContaining({ cost: stored, source, version: 'v1' })])
      expect(await callsOf(`official-taken-${index}`), `${text}, official collector`).toEqual(ours)
    }
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`^switchyard_collector_spend_attributes_rejected_total ${rejectedBefore}$`, 'm'))
  })

  it('prices a call the router marked unknown (cost 0) from its tokens without counting it as refused', async () => {
    const rejectedBefore = collector.metrics.spendAttributesRejected
    const unpriced = call('router-unpriced', { 'switchyard.cost.usd': '0', 'switchyard.cost.source': 'unknown' })
    await sendThroughCollector([unpriced])
    await writeAsOfficialCollector([{ ...unpriced, 'gen_ai.workflow.name': 'official-router-unpriced' }])
    const ours = await callsOf('router-unpriced')
    expect(ours).toEqual([expect.objectContaining({ cost: pricedFromTokens, source: 'catalog' })])
    expect(await callsOf('official-router-unpriced')).toEqual(ours)
    expect(collector.metrics.spendAttributesRejected).toBe(rejectedBefore)
    const [attributes] = await storedAttributes('router-unpriced')
    expect(Object.keys(attributes ?? {}).filter((key) => key.startsWith('switchyard.rejected.'))).toEqual([])
  })

  it('drops audit attributes a span brings itself: only the collector writes them', async () => {
    await sendThroughCollector([call('forged-audit', {
      'switchyard.cost.usd': '1',
      'switchyard.cost.source': 'provider',
      'switchyard.rejected.switchyard.cost.usd': '-500',
    })])
    const [attributes] = await storedAttributes('forged-audit')
    expect(attributes?.['switchyard.rejected.switchyard.cost.usd']).toBeUndefined()
    expect(attributes?.['switchyard.cost.usd']).toBe('1')
  })
})

describe('a token count a span claims is taken only when it is plain digits within bounds', () => {
  // [what the span says, input, output, cache read, cost]: a refused count counts as absent.
  const cases: [attributes: Attributes, input: string, output: string, cacheRead: string, cost: string][] = [
    // A negative input count: the older prompt_tokens name is read instead, as for an absent one.
    [{ 'gen_ai.usage.input_tokens': -5, 'gen_ai.usage.prompt_tokens': 1000 }, '1000', '500', '0', pricedFromTokens],
    [{ 'gen_ai.usage.output_tokens': '1e3' }, '1000', '0', '0', '0.0004'],
    [{ 'gen_ai.usage.input_tokens': '18446744073709551615' }, '0', '500', '0', '0.0008'],
    [{ 'gen_ai.usage.input_tokens': '100000001' }, '0', '500', '0', '0.0008'],
    [{ 'gen_ai.usage.output_tokens': ' 500' }, '1000', '0', '0', '0.0004'],
    [{ 'gen_ai.usage.cache_read.input_tokens': '+800' }, '1000', '500', '0', pricedFromTokens],
    // At the bound: 10^8 input tokens at $0.40 per million.
    [{ 'gen_ai.usage.input_tokens': 100_000_000 }, '100000000', '500', '0', '40.0008'],
    // 800 of 1,000 input tokens cached at $0.10: 200 × 0.4 + 800 × 0.1 + 500 × 1.6 = 960 micro-USD.
    [{ 'gen_ai.usage.cache_read.input_tokens': 800 }, '1000', '500', '800', '0.00096'],
  ]

  it('refuses negative, exponent, spaced, signed and huge counts and prices the call without them, on both paths alike', async () => {
    const rejectedBefore = collector.metrics.spendAttributesRejected
    await sendThroughCollector(cases.map(([attributes], index) => call(`tokens-${index}`, attributes)))
    await writeAsOfficialCollector(cases.map(([attributes], index) => call(`official-tokens-${index}`, attributes)))
    for (const [index, [attributes, input, output, cacheRead, cost]] of cases.entries()) {
      const ours = await callsOf(`tokens-${index}`)
      expect(ours, JSON.stringify(attributes)).toEqual([expect.objectContaining({ input, output, cacheRead, cost, source: 'catalog' })])
      expect(await callsOf(`official-tokens-${index}`), `${JSON.stringify(attributes)}, official collector`).toEqual(ours)
    }
    const [negative] = await storedAttributes('tokens-0')
    expect(negative).toMatchObject({ 'switchyard.rejected.gen_ai.usage.input_tokens': '-5', 'gen_ai.usage.prompt_tokens': '1000' })
    expect(negative?.['gen_ai.usage.input_tokens']).toBeUndefined()
    expect(collector.metrics.spendAttributesRejected - rejectedBefore).toBe(6)
  })
})
