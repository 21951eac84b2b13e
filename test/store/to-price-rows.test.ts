import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { loadPriceRows } from '../../src/store/load-price-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { toPriceRows } from '../../src/store/to-price-rows.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const table = createPriceTable()

describe('toPriceRows', () => {
  it('flattens every entry, price history included, with the fallbacks applied, one row per model name and alias', () => {
    const rows = toPriceRows(table)
    const gpt4o = rows.filter((row) => row.model === 'gpt-4o' && row.effective_from === '2024-10-02 00:00:00.000')
    expect(gpt4o.map((row) => row.name).sort()).toEqual(['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'])
    for (const row of gpt4o) {
      expect(row).toMatchObject({
        provider: 'openai',
        input: '2.5',
        cached_input: '1.25',
        cache_write_5m: '2.5',
        cache_write_1h: '2.5',
        output: '10',
        long_context_threshold: 0,
        long_context_input: '2.5',
      })
    }
    expect(rows.find((row) => row.name === 'gemini-2.5-pro')).toMatchObject({
      provider: 'gcp.gemini',
      long_context_threshold: 200_000,
      long_context_input: '2.5',
      long_context_cached_input: '0.25',
      long_context_output: '15',
    })
    expect(rows.filter((row) => row.name === 'deepseek-chat').map((row) => row.effective_from)).toEqual([
      '2025-09-05 16:00:00.000',
      '2025-09-29 00:00:00.000',
    ])
  })
})

describe('loadPriceRows', () => {
  const directory = makeTempDirectory('price-rows')
  let store: Store | undefined

  beforeAll(async () => {
    store = await createStore({ url: `chdb://${directory.path}` })
    await migrate({ store })
  })
  afterAll(async () => {
    await store?.close()
    directory.remove()
  })

  it('writes rows whose fields are exactly the columns of llm_prices, so none is dropped or left at a default', async () => {
    const written = await loadPriceRows({ store: store!, table })
    expect(written).toBe(toPriceRows(table).length)
    const described = await store!.client.query({ query: 'DESCRIBE TABLE llm_prices', format: 'JSONEachRow' })
    const columns = (await described.json<{ name: string }>()).map((column) => column.name)
    expect(Object.keys(toPriceRows(table)[0]!).sort()).toEqual([...columns].sort())
    const stored = await store!.client.query({
      query: 'SELECT toUInt32(count()) AS rows, toString(any(output)) AS output FROM llm_prices WHERE name = {name:String}',
      query_params: { name: 'gpt-4o-2024-11-20' },
      format: 'JSONEachRow',
    })
    const expected = toPriceRows(table).filter((row) => row.name === 'gpt-4o-2024-11-20').length
    expect(expected).toBeGreaterThan(0)
    expect(await stored.json()).toEqual([{ rows: expected, output: '10' }])
  })
})
