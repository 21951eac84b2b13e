import type { Migration } from './migration.js'

function rollupTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    Bucket DateTime CODEC(Delta(4), ZSTD(1)),
    Workflow LowCardinality(String),
    Step LowCardinality(String),
    Provider LowCardinality(String),
    Model LowCardinality(String),
    CostUsd Decimal(38, 12),
    Calls UInt64,
    InputTokens UInt64,
    OutputTokens UInt64
) ENGINE = SummingMergeTree((CostUsd, Calls, InputTokens, OutputTokens))
PARTITION BY toYYYYMM(Bucket)
ORDER BY (Workflow, Bucket, Step, Provider, Model)
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000`
}

function rollupView(table: string, bucket: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv
TO ${table}
AS SELECT
    ${bucket}(Timestamp) AS Bucket,
    Workflow,
    Step,
    Provider,
    if(ResponseModel != '', ResponseModel, RequestModel) AS Model,
    sum(CostUsd) AS CostUsd,
    count() AS Calls,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens
FROM llm_calls
GROUP BY Bucket, Workflow, Step, Provider, Model`
}

/**
 * Pre-aggregated spend for rolling budget windows, fed from `llm_calls` (so a cost
 * priced at ingest is counted too). Ordered by workflow first, then time: the
 * rolling spend of one workflow reads one contiguous range, minutes for the edges
 * of a window and hours for its body, and never the spans themselves. A 30-day
 * window of one workflow is at most 720 hourly buckets per (step, provider, model).
 * Always query with sum() and GROUP BY: SummingMergeTree merges rows lazily.
 */
export const spendRollupsMigration: Migration = {
  version: 3,
  name: 'llm_spend rollups',
  statements: [
    rollupTable('llm_spend_minute'),
    rollupView('llm_spend_minute', 'toStartOfMinute'),
    rollupTable('llm_spend_hour'),
    rollupView('llm_spend_hour', 'toStartOfHour'),
  ],
}
