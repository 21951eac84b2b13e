import { describe, expect, it } from 'vitest'
import type { SpanRow } from '../../src/collector/otlp/span-row.js'
import { priceAtIngest } from '../../src/collector/price-at-ingest.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { modelCallRow } from '../store/store-suite.js'

const source = 'https://acme.example/pricing'
const table = createPriceTable({
  catalog: false,
  entries: [
    {
      provider: 'acme',
      model: 'acme-chat',
      effectiveFrom: '2026-01-01',
      source,
      prices: { input: '2', cachedInput: '0.2', cacheWrite5m: '2.5', output: '10' },
      serviceTiers: { flex: { input: '1', cachedInput: '0.1', cacheWrite5m: '1.25', output: '5' }, priority: { input: '4', output: '20' } },
    },
    { provider: 'acme', model: 'acme-big', effectiveFrom: '2026-01-01', source, prices: { input: '8', output: '40' } },
  ],
})

/** A model-call span from another instrumentation, without a cost, with these attributes. */
function span(attributes: Record<string, string>): SpanRow {
  const row = modelCallRow({ seconds: Date.parse('2026-06-01T00:00:00Z') / 1000 }) as unknown as SpanRow
  row.SpanAttributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'acme-chat', ...attributes }
  return row
}

function priced(row: SpanRow): { cost?: string; source?: string; version?: string } {
  priceAtIngest([row], table)
  const attributes = row.SpanAttributes
  return { cost: attributes['switchyard.cost.usd'], source: attributes['switchyard.cost.source'], version: attributes['switchyard.price.version'] }
}

describe('pricing at ingest', () => {
  it('prices a span at the service tier it names, switchyard\'s attribute first, then OpenAI\'s', () => {
    const tokens = { 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.output_tokens': '100' }
    // standard: 1000 × $2/M + 100 × $10/M; flex: half; priority: 1000 × $4/M + 100 × $20/M
    expect(priced(span(tokens)).cost).toBe('0.003')
    expect(priced(span({ ...tokens, 'openai.response.service_tier': 'flex' })).cost).toBe('0.0015')
    expect(priced(span({ ...tokens, 'switchyard.service_tier': 'priority', 'openai.response.service_tier': 'flex' })).cost).toBe('0.006')
  })

  it('reads the older gen_ai.usage.cache_creation.input_tokens as cache writes', () => {
    const result = priced(span({ 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.cache_creation.input_tokens': '800', 'gen_ai.usage.output_tokens': '0' }))
    // 200 × $2/M + 800 × $2.50/M
    expect(result.cost).toBe('0.0024')
    const current = priced(span({ 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.cache_write.input_tokens': '800', 'gen_ai.usage.cache_creation.input_tokens': '5', 'gen_ai.usage.output_tokens': '0' }))
    expect(current.cost).toBe('0.0024')
  })

  it('estimates a span without token counts from its captured content, never a catalog $0', () => {
    const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'x'.repeat(400) }] }])
    const input = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'y'.repeat(4000) }] }])
    const result = priced(span({ 'gen_ai.input.messages': input, 'gen_ai.output.messages': output }))
    // ~1000 input tokens × $2/M + ~100 output tokens × $10/M
    expect(result).toEqual({ cost: '0.003', source: 'estimate', version: 'acme/acme-chat@2026-01-01' })
  })

  it('estimates from OpenLLMetry\'s indexed prompt and completion content too', () => {
    const result = priced(span({ 'gen_ai.prompt.0.content': 'y'.repeat(2000), 'gen_ai.prompt.1.content': 'y'.repeat(2000), 'gen_ai.completion.0.content': 'x'.repeat(400) }))
    expect(result).toMatchObject({ cost: '0.003', source: 'estimate' })
  })

  it('leaves a span with neither token counts nor content unpriced rather than free', () => {
    expect(priced(span({}))).toEqual({ cost: undefined, source: undefined, version: undefined })
    expect(priced(span({ 'gen_ai.output.messages': '[]' }))).toEqual({ cost: undefined, source: undefined, version: undefined })
  })

  it('counts an unpriced model of a known provider at its dearest prices, with source estimate', () => {
    const result = priced(span({ 'gen_ai.request.model': 'acme-secret', 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.output_tokens': '100' }))
    // 1000 × $8/M + 100 × $40/M
    expect(result).toEqual({ cost: '0.012', source: 'estimate', version: 'unknown_model:most_expensive:acme' })
  })

  it('ignores a token count past the collector bound on the older cache-write name', () => {
    const result = priced(span({ 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.cache_creation.input_tokens': '999999999999', 'gen_ai.usage.output_tokens': '0' }))
    expect(result.cost).toBe('0.002')
  })
})
