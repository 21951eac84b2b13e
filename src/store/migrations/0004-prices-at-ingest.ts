import { pricedLlmCallsViewStatement } from './llm-calls-view.js'
import type { Migration } from './migration.js'

/**
 * The price table in ClickHouse (one row per provider, model name or alias, and
 * effective date; loaded from switchyard's price table at every migrate and
 * collector start), and `llm_calls_mv` redefined to price spans that arrive
 * without a cost. Dropping and recreating the view is the only way to change its
 * query on every supported ClickHouse; spans inserted in that instant are not
 * projected, which is why this runs before the collector accepts traffic.
 */
export const pricesAtIngestMigration: Migration = {
  version: 4,
  name: 'llm_prices and pricing at ingest',
  statements: [
    `CREATE TABLE IF NOT EXISTS llm_prices (
    provider LowCardinality(String),
    name String,
    model String,
    version String,
    effective_from DateTime64(9),
    source String,
    input Decimal(38, 12),
    cached_input Decimal(38, 12),
    cache_write_5m Decimal(38, 12),
    cache_write_1h Decimal(38, 12),
    output Decimal(38, 12),
    long_context_threshold UInt64,
    long_context_input Decimal(38, 12),
    long_context_cached_input Decimal(38, 12),
    long_context_cache_write_5m Decimal(38, 12),
    long_context_cache_write_1h Decimal(38, 12),
    long_context_output Decimal(38, 12)
) ENGINE = MergeTree()
ORDER BY (provider, name, effective_from)`,
    'DROP VIEW IF EXISTS llm_calls_mv',
    pricedLlmCallsViewStatement(),
  ],
}
