import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { loadPriceRows } from '../../src/store/load-price-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { hex, jsonLines, modelCallRow } from './store-suite.js'

const directory = makeTempDirectory('unpriced-without-usage')
let store: Store
const seconds = Date.parse('2026-06-01T00:00:00Z') / 1000

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  await loadPriceRows({ store, table: createPriceTable() })
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

/** A span written straight into otel_traces (the official collector): no cost, these attributes. */
function span(workflow: string, attributes: Record<string, string>): Record<string, unknown> {
  const row = modelCallRow({ workflow, seconds })
  row.SpanAttributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.workflow.name': workflow, ...attributes }
  return row
}

async function costsOf(workflow: string): Promise<{ cost: string; source: string; version: string }[]> {
  const result = await store.client.query({
    query: 'SELECT toString(CostUsd) AS cost, CostSource AS source, PriceVersion AS version FROM llm_calls WHERE Workflow = {workflow:String}',
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  return result.json()
}

describe('migration 7: llm_calls for spans that report no usage', () => {
  it('marks a priced model\'s span without token counts unknown, never a catalog $0', async () => {
    const rows = [span('no-usage', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' })]
    await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `no-usage-${hex(4)}` })
    expect(await costsOf('no-usage')).toEqual([{ cost: '0', source: 'unknown', version: '' }])
  })

  it('still prices a span that reports its tokens from the price table', async () => {
    const rows = [span('with-usage', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': '1000' })]
    await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `with-usage-${hex(4)}` })
    // 1000 output tokens × $10/M
    expect(await costsOf('with-usage')).toEqual([{ cost: '0.01', source: 'catalog', version: expect.stringContaining('gpt-4o') }])
  })

  it('reads cache writes under the older gen_ai.usage.cache_creation.input_tokens name', async () => {
    const rows = [span('cache-creation', {
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku-4-5',
      'gen_ai.usage.input_tokens': '1000',
      'gen_ai.usage.cache_creation.input_tokens': '800',
      'gen_ai.usage.output_tokens': '0',
    })]
    await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `cache-creation-${hex(4)}` })
    // 200 uncached × $1/M + 800 cache writes × $1.25/M
    expect(await costsOf('cache-creation')).toEqual([{ cost: '0.0012', source: 'catalog', version: expect.stringContaining('claude-haiku-4-5') }])
  })
})
