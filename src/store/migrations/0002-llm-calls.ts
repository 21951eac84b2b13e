import type { Migration } from './migration.js'

/**
 * Which `otel_traces` rows are model calls: a span that names a model and a GenAI
 * operation or provider, excluding agent/tool/workflow operations. Written against
 * attribute names only, so spans from the official collector, OpenLLMetry or the
 * Vercel AI SDK (older `gen_ai.system` / `gen_ai.usage.prompt_tokens` names
 * included) fill `llm_calls` as well as switchyard's own.
 */
const modelCallFilter = `(mapContains(SpanAttributes, 'gen_ai.request.model') OR mapContains(SpanAttributes, 'gen_ai.response.model'))
  AND (mapContains(SpanAttributes, 'gen_ai.operation.name') OR mapContains(SpanAttributes, 'gen_ai.provider.name') OR mapContains(SpanAttributes, 'gen_ai.system'))
  AND SpanAttributes['gen_ai.operation.name'] NOT IN ('invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow')`

function firstAttribute(...keys: string[]): string {
  const [last, ...rest] = [...keys].reverse()
  return rest.reduce(
    (expression, key) => `if(mapContains(SpanAttributes, '${key}'), SpanAttributes['${key}'], ${expression})`,
    `SpanAttributes['${last}']`,
  )
}

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
    `CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_mv
TO llm_calls
AS SELECT
    Timestamp,
    TraceId,
    SpanId,
    ParentSpanId,
    ServiceName,
    SpanAttributes['gen_ai.workflow.name'] AS Workflow,
    ${firstAttribute('switchyard.workflow.run_id', 'gen_ai.conversation.id')} AS WorkflowRunId,
    SpanAttributes['switchyard.step'] AS Step,
    SpanAttributes['gen_ai.agent.name'] AS Agent,
    SpanAttributes['switchyard.route'] AS Route,
    toUInt16OrZero(SpanAttributes['switchyard.attempt']) AS Attempt,
    SpanAttributes['gen_ai.operation.name'] AS Operation,
    ${firstAttribute('gen_ai.provider.name', 'gen_ai.system')} AS Provider,
    SpanAttributes['gen_ai.request.model'] AS RequestModel,
    SpanAttributes['gen_ai.response.model'] AS ResponseModel,
    SpanAttributes['gen_ai.request.stream'] = 'true' AS Stream,
    toUInt64OrZero(${firstAttribute('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens')}) AS InputTokens,
    toUInt64OrZero(${firstAttribute('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens')}) AS OutputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_read.input_tokens']) AS CacheReadInputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_write.input_tokens']) AS CacheWriteInputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.reasoning.output_tokens']) AS ReasoningOutputTokens,
    toDecimal128OrZero(SpanAttributes['switchyard.cost.usd'], 12) AS CostUsd,
    if(mapContains(SpanAttributes, 'switchyard.cost.usd'), SpanAttributes['switchyard.cost.source'], 'unknown') AS CostSource,
    SpanAttributes['switchyard.price.version'] AS PriceVersion,
    Duration AS DurationNs,
    toFloat64OrNull(SpanAttributes['switchyard.ttft_ms']) AS TtftMs,
    StatusCode,
    if(mapContains(SpanAttributes, 'error.type'), SpanAttributes['error.type'], if(StatusCode = 'Error', '_OTHER', '')) AS ErrorType,
    SpanAttributes['gen_ai.response.finish_reasons'] AS FinishReasons,
    SpanAttributes['switchyard.budget.name'] AS BudgetName,
    SpanAttributes['switchyard.budget.action'] AS BudgetAction,
    mapApply((key, value) -> (substring(key, 16), value), mapFilter((key, value) -> startsWith(key, 'switchyard.tag.'), SpanAttributes)) AS Tags
FROM otel_traces
WHERE ${modelCallFilter}`,
  ],
}
