import type { Store } from './create-store.js'
import { insertJsonRows } from './insert-json-rows.js'

/** One price-table entry as the pricing module flattens it (see toClickHouseRows). */
export interface PriceRow {
  provider: string
  model: string
  aliases: string[]
  version: string
  effective_from: string
  source: string
  input: string
  cached_input: string
  cache_write_5m: string
  cache_write_1h: string
  output: string
  long_context_threshold: number
  long_context_input: string
  long_context_cached_input: string
  long_context_cache_write_5m: string
  long_context_cache_write_1h: string
  long_context_output: string
}

/**
 * Replace the contents of `llm_prices` with the given entries, one row per model
 * name and alias, so the `llm_calls` view prices spans that arrive without a cost
 * with exactly the table switchyard uses everywhere else. Run at migrate and at
 * collector start, before spans are accepted.
 */
export async function loadPriceRows(options: { store: Store; rows: readonly PriceRow[] }): Promise<number> {
  const lines: string[] = []
  for (const row of options.rows) {
    const { aliases, ...entry } = row
    for (const name of new Set([row.model, ...aliases])) {
      lines.push(JSON.stringify({ ...entry, provider: row.provider.toLowerCase(), name }))
    }
  }
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
