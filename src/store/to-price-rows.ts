import type { PriceTable } from '../pricing/price-table.js'

/**
 * One row of `llm_prices` (migration 4 creates the table), from which the `llm_calls`
 * view prices spans that arrive without a cost (through the contrib collector). Prices
 * are decimal strings of USD per million tokens with the price table's fallbacks
 * already applied, so SQL needs no rules of its own; an entry without a long-context
 * tier repeats its base prices there with threshold 0.
 */
export interface PriceRow {
  /** Lower case, as the view compares it with `gen_ai.provider.name`. */
  provider: string
  /** The name a span may carry: the entry's model or one of its aliases. */
  name: string
  model: string
  version: string
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC, as DateTime64 parses it. */
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
 * The price table's entries, price history included, as `llm_prices` rows: one per
 * name (model and each alias), so the view's ASOF JOIN matches a span's model by
 * equality. The store owns this shape because the table does; pricing stays free of
 * column names, and the store reads the table only through its exported type.
 */
export function toPriceRows(table: PriceTable): PriceRow[] {
  return table.entries.flatMap((entry) => {
    const base = entry.prices.usdPerMillion
    const long = (entry.longContext?.prices ?? entry.prices).usdPerMillion
    const row: Omit<PriceRow, 'name'> = {
      provider: entry.provider.toLowerCase(),
      model: entry.model,
      version: entry.version,
      effective_from: entry.effectiveFrom.toISOString().replace('T', ' ').replace('Z', ''),
      source: entry.source,
      input: base.input,
      cached_input: base.cachedInput,
      cache_write_5m: base.cacheWrite5m,
      cache_write_1h: base.cacheWrite1h,
      output: base.output,
      long_context_threshold: entry.longContext?.thresholdInputTokens ?? 0,
      long_context_input: long.input,
      long_context_cached_input: long.cachedInput,
      long_context_cache_write_5m: long.cacheWrite5m,
      long_context_cache_write_1h: long.cacheWrite1h,
      long_context_output: long.output,
    }
    return [...new Set([entry.model, ...entry.aliases])].map((name) => ({ ...row, name }))
  })
}
