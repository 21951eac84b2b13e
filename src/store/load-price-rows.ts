import type { PriceTable } from '../pricing/price-table.js'
import type { Store } from './create-store.js'
import { insertJsonRows } from './insert-json-rows.js'
import { toPriceRows } from './to-price-rows.js'

/**
 * Replace the contents of `llm_prices` with the price table's entries (see
 * toPriceRows), so the `llm_calls` view prices spans that arrive without a cost
 * with exactly the table switchyard uses everywhere else. Run at migrate and at
 * collector start, before spans are accepted. Resolves the number of rows written.
 */
export async function loadPriceRows(options: { store: Store; table: PriceTable }): Promise<number> {
  const lines = toPriceRows(options.table).map((row) => JSON.stringify(row))
  await options.store.client.command({ query: 'TRUNCATE TABLE IF EXISTS llm_prices' })
  if (lines.length === 0) return 0
  await insertJsonRows({
    store: options.store,
    table: 'llm_prices',
    body: `${lines.join('\n')}\n`,
    // A fresh token each load: the same rows must be inserted again after a truncate.
    deduplicationToken: `prices-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  })
  return lines.length
}
