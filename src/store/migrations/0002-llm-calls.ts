import { llmCallsViewStatement } from './llm-calls-view.js'
import type { Migration } from './migration.js'

/**
 * `llm_calls`: one typed row per model-call span, filled by a materialized view
 * from `otel_traces`. Dashboards, reports and spend rollups read this, never the Map.
 * Cost is a Decimal parsed from the span's exact decimal string; a span without one
 * is marked `unknown` (never silently free).
 */
export const llmCallsMigration: Migration = {
  version: 2,
  name: 'llm_calls',
  statements: [
    `CREATE TABLE IF NOT EXISTS llm_calls (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String),
    Workflow LowCardinality(String),
    WorkflowRunId String CODEC(ZSTD(1)),
    Step LowCardinality(String),
    Agent LowCardinality(String),
    Route LowCardinality(String),
    Attempt UInt16,
    Operation LowCardinality(String),
    Provider LowCardinality(String),
    RequestModel LowCardinality(String),
    ResponseModel LowCardinality(String),
    Stream Bool,
    InputTokens UInt64,
    OutputTokens UInt64,
    CacheReadInputTokens UInt64,
    CacheWriteInputTokens UInt64,
    ReasoningOutputTokens UInt64,
    CostUsd Decimal(38, 12),
    CostSource LowCardinality(String),
    PriceVersion LowCardinality(String),
    DurationNs UInt64 CODEC(T64, ZSTD(1)),
    TtftMs Nullable(Float64),
    StatusCode LowCardinality(String),
    ErrorType LowCardinality(String),
    FinishReasons String,
    BudgetName LowCardinality(String),
    BudgetAction LowCardinality(String),
    Tags Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_run_id WorkflowRunId TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_tag_key mapKeys(Tags) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(Timestamp)
ORDER BY (Workflow, Step, toStartOfHour(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000`,
    llmCallsViewStatement(),
  ],
}
