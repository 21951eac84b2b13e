import type { PriceTable } from './price-table.js'

/**
 * One price-table entry as a flat row for ClickHouse, so spans that arrive
 * without a cost (through the contrib collector) can be priced at ingest.
 * Prices are decimal strings of USD per million tokens with the fallbacks
 * already applied, so SQL needs no rules of its own; a row without a
 * long-context tier repeats its base prices there with threshold 0.
 *
 * A matching table (prices fit Decimal(18, 6); cost = tokens × price / 1e6):
 *
 * ```sql
 * CREATE TABLE llm_prices (
 *   provider LowCardinality(String), model String, aliases Array(String),
 *   version String, effective_from DateTime64(3, 'UTC'), source String,
 *   reasoning_billed_as LowCardinality(String),
 *   input Decimal(18, 6), cached_input Decimal(18, 6), cache_write_5m Decimal(18, 6),
 *   cache_write_1h Decimal(18, 6), output Decimal(18, 6),
 *   long_context_threshold UInt32,
 *   long_context_input Decimal(18, 6), long_context_cached_input Decimal(18, 6),
 *   long_context_cache_write_5m Decimal(18, 6), long_context_cache_write_1h Decimal(18, 6),
 *   long_context_output Decimal(18, 6)
 * ) ENGINE = ReplacingMergeTree ORDER BY (provider, model, effective_from)
 * ```
 *
 * Pick the row with the greatest `effective_from` not after the span's time
 * (an ASOF JOIN), matching `model` or one of `aliases`.
 */
export interface ClickHousePriceRow {
  provider: string
  model: string
  aliases: string[]
  version: string
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC, as DateTime64(3) parses it. */
  effective_from: string
  source: string
  reasoning_billed_as: string
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

/** The table's entries, price history included, as rows for JSONEachRow inserts. */
export function toClickHouseRows(table: PriceTable): ClickHousePriceRow[] {
  return table.entries.map((entry) => {
    const base = entry.prices.usdPerMillion
    const long = (entry.longContext?.prices ?? entry.prices).usdPerMillion
    return {
      provider: entry.provider,
      model: entry.model,
      aliases: [...entry.aliases],
      version: entry.version,
      effective_from: entry.effectiveFrom.toISOString().replace('T', ' ').replace('Z', ''),
      source: entry.source,
      reasoning_billed_as: entry.reasoningBilledAs,
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
  })
}
