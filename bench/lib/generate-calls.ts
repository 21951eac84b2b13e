import type { Store } from '../../src/store/create-store.js'

/** How the generated model calls spread: over workflows, steps, providers, tenants and time. */
export interface CallShape {
  workflows: number
  steps: number
  tenants: number
  /** Calls are spread evenly over the `days` before `nowSeconds`. */
  days: number
  nowSeconds: number
}

export const defaultCallShape = (nowSeconds: number): CallShape => ({ workflows: 20, steps: 7, tenants: 50, days: 35, nowSeconds })

/** The workflow whose rolling spend the benchmarks query: one of `workflows`, 1/20 of the rows by default. */
export const queriedWorkflow = 'workflow-3'

/*
 * Bulk generation of model-call spans with INSERT ... SELECT FROM numbers(), in
 * chunks so no single insert holds more than `chunkRows` rows. Every value is a
 * function of the row number (deterministic, no rand()), and timestamps are a
 * permutation of the row number over the window, so every hour and minute holds calls.
 * Each call is its own routed request (its own route span as parent), except every
 * 50th, which is attempt 2 of the call before it: same trace and parent, the next
 * provider (a fallback), as the report's retry/fallback figures expect.
 */
const providers = "['openai', 'anthropic', 'gcp.gemini']"
const models = "['gpt-4.1-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash']"

function derived(shape: CallShape): string {
  const windowMs = shape.days * 86_400_000
  return `
    number AS n,
    fromUnixTimestamp64Milli(toInt64(${shape.nowSeconds} * 1000 - ((n * 2654435761) % ${windowMs}))) AS ts,
    concat('workflow-', toString(n % ${shape.workflows})) AS workflow,
    concat('step-', toString(intDiv(n, ${shape.workflows}) % ${shape.steps})) AS step,
    arrayElement(${providers}, (n % 3) + 1) AS provider,
    arrayElement(${models}, (n % 3) + 1) AS model,
    100 + (n % 4000) AS input_tokens,
    10 + (n % 700) AS output_tokens,
    toDecimal128((100 + (n % 4000)) * 150 + (10 + (n % 700)) * 600, 12) / 1000000000 AS cost,
    if(n % 50 = 0, n - 1, n) AS request,
    lower(hex(cityHash64(intDiv(request, 4)))) AS trace_id,
    lower(hex(cityHash64(n, 1))) AS span_id,
    lower(hex(cityHash64(request, 2))) AS parent_id,
    concat('run-', toString(intDiv(n, 4))) AS run_id,
    concat('tenant-', toString(n % ${shape.tenants})) AS tenant,
    if(n % 50 = 0, 2, 1) AS attempt,
    if(n % 97 = 0, 'Error', 'Ok') AS status,
    (200 + (n % 5000)) * 1000000 AS duration_ns`
}

/** SELECT of `rows` rows shaped like `otel_traces`, so the materialized views fill llm_calls and the rollups. */
function otelTracesSelect(shape: CallShape, offset: number, rows: number): string {
  return `SELECT
    ts AS Timestamp, trace_id AS TraceId, span_id AS SpanId, parent_id AS ParentSpanId, '' AS TraceState,
    concat('chat ', model) AS SpanName, 'Client' AS SpanKind, 'agent-service' AS ServiceName,
    map('service.name', 'agent-service') AS ResourceAttributes, 'switchyard' AS ScopeName, '0.1.0' AS ScopeVersion,
    map(
      'gen_ai.operation.name', 'chat',
      'gen_ai.provider.name', provider,
      'gen_ai.request.model', model,
      'gen_ai.response.model', model,
      'gen_ai.usage.input_tokens', toString(input_tokens),
      'gen_ai.usage.output_tokens', toString(output_tokens),
      'gen_ai.workflow.name', workflow,
      'switchyard.workflow.run_id', run_id,
      'switchyard.step', step,
      'switchyard.route', 'default',
      'switchyard.attempt', toString(attempt),
      'switchyard.cost.usd', toString(cost),
      'switchyard.cost.source', 'catalog',
      'switchyard.tag.tenant', tenant
    ) AS SpanAttributes,
    duration_ns AS Duration, status AS StatusCode, '' AS StatusMessage,
    [] AS \`Events.Timestamp\`, [] AS \`Events.Name\`, [] AS \`Events.Attributes\`,
    [] AS \`Links.TraceId\`, [] AS \`Links.SpanId\`, [] AS \`Links.TraceState\`, [] AS \`Links.Attributes\`
FROM (SELECT ${derived(shape)} FROM numbers(${offset}, ${rows}))`
}

/** SELECT of `rows` rows shaped like `llm_calls` (what its view would have made), for the rollup views. */
function llmCallsSelect(shape: CallShape, offset: number, rows: number): string {
  return `SELECT
    ts AS Timestamp, trace_id AS TraceId, span_id AS SpanId, parent_id AS ParentSpanId, 'agent-service' AS ServiceName,
    workflow AS Workflow, run_id AS WorkflowRunId, step AS Step, '' AS Agent, 'default' AS Route, attempt AS Attempt,
    'chat' AS Operation, provider AS Provider, model AS RequestModel, model AS ResponseModel, false AS Stream,
    input_tokens AS InputTokens, output_tokens AS OutputTokens, 0 AS CacheReadInputTokens, 0 AS CacheWriteInputTokens,
    0 AS ReasoningOutputTokens, cost AS CostUsd, 'catalog' AS CostSource, '' AS PriceVersion, duration_ns AS DurationNs,
    NULL AS TtftMs, status AS StatusCode, if(status = 'Error', '_OTHER', '') AS ErrorType, '["stop"]' AS FinishReasons,
    '' AS BudgetName, '' AS BudgetAction, map('tenant', tenant) AS Tags
FROM (SELECT ${derived(shape)} FROM numbers(${offset}, ${rows}))`
}

export type GenerateInto = 'otel_traces' | 'llm_calls'

/** Insert `rows` generated calls into `into`, `chunkRows` at a time; calls `progress` after each chunk. */
export async function generateCalls(options: {
  store: Store
  rows: number
  into: GenerateInto
  shape: CallShape
  chunkRows?: number
  progress?: (inserted: number) => void
}): Promise<void> {
  const chunk = options.chunkRows ?? 1_000_000
  for (let offset = 0; offset < options.rows; offset += chunk) {
    const rows = Math.min(chunk, options.rows - offset)
    const select = options.into === 'otel_traces' ? otelTracesSelect(options.shape, offset, rows) : llmCallsSelect(options.shape, offset, rows)
    await options.store.client.command({
      query: `INSERT INTO ${options.into} ${select}`,
      clickhouse_settings: { max_partitions_per_insert_block: '1000' },
    })
    options.progress?.(offset + rows)
  }
}
