/**
 * The SELECT of the `llm_calls_mv` materialized view, shared by the migration that
 * created it (2) and the one that added pricing at ingest (4). The text produced for
 * migration 2 must never change: it is what stores at version 2 ran.
 */

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

const tokenColumn = (keys: string[]): string => `toUInt64OrZero(${firstAttribute(...keys)})`

interface CostColumns {
  cost: string
  source: string
  version: string
}

const recordedCost: CostColumns = {
  cost: "toDecimal128OrZero(SpanAttributes['switchyard.cost.usd'], 12)",
  source: "if(mapContains(SpanAttributes, 'switchyard.cost.usd'), SpanAttributes['switchyard.cost.source'], 'unknown')",
  version: "SpanAttributes['switchyard.price.version']",
}

function selectList(cost: CostColumns): string {
  return `    Timestamp,
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
    ${tokenColumn(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'])} AS InputTokens,
    ${tokenColumn(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'])} AS OutputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_read.input_tokens']) AS CacheReadInputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_write.input_tokens']) AS CacheWriteInputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.reasoning.output_tokens']) AS ReasoningOutputTokens,
    ${cost.cost} AS CostUsd,
    ${cost.source} AS CostSource,
    ${cost.version} AS PriceVersion,
    Duration AS DurationNs,
    toFloat64OrNull(SpanAttributes['switchyard.ttft_ms']) AS TtftMs,
    StatusCode,
    if(mapContains(SpanAttributes, 'error.type'), SpanAttributes['error.type'], if(StatusCode = 'Error', '_OTHER', '')) AS ErrorType,
    SpanAttributes['gen_ai.response.finish_reasons'] AS FinishReasons,
    SpanAttributes['switchyard.budget.name'] AS BudgetName,
    SpanAttributes['switchyard.budget.action'] AS BudgetAction,
    mapApply((key, value) -> (substring(key, 16), value), mapFilter((key, value) -> startsWith(key, 'switchyard.tag.'), SpanAttributes)) AS Tags`
}

/** Migration 2: cost only as recorded on the span. */
export function llmCallsViewStatement(): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_mv
TO llm_calls
AS SELECT
${selectList(recordedCost)}
FROM otel_traces
WHERE ${modelCallFilter}`
}

/**
 * Migration 4: a span without `switchyard.cost.usd` (written by the official
 * collector, which never passes through ours) is priced here from `llm_prices`,
 * the same price table the router and our collector use: the entry in force at the
 * span's time (ASOF JOIN), by response model, else request model, with the
 * long-context tier when the prompt passes its threshold. Input tokens include cached
 * ones (the GenAI conventions); cache writes are priced at the 5-minute rate, as the
 * conventions have no attribute for the 1-hour share.
 */
export function pricedLlmCallsViewStatement(): string {
  const providerKey = `transform(lower(${firstAttribute('gen_ai.provider.name', 'gen_ai.system')}),
      ['gemini', 'google', 'google-ai-studio', 'togetherai', 'together_ai', 'mistralai'],
      ['gcp.gemini', 'gcp.gemini', 'gcp.gemini', 'together', 'together', 'mistral'],
      lower(${firstAttribute('gen_ai.provider.name', 'gen_ai.system')}))`
  const modelKey = (key: string): string => `replaceRegexpOne(SpanAttributes['${key}'], '^.*/', '')`
  const input = tokenColumn(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'])
  const output = tokenColumn(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'])
  const cacheRead = "toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_read.input_tokens'])"
  const cacheWrite = "toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_write.input_tokens'])"
  const price = (column: string): string => `if(response_price.version != '', if(response_price.long_context_threshold > 0 AND ${input} > response_price.long_context_threshold, response_price.long_context_${column}, response_price.${column}), if(request_price.long_context_threshold > 0 AND ${input} > request_price.long_context_threshold, request_price.long_context_${column}, request_price.${column}))`
  const tokens = (expression: string): string => `toDecimal128(${expression}, 0)`
  const computed = `(${tokens(`if(${input} > ${cacheRead} + ${cacheWrite}, ${input} - ${cacheRead} - ${cacheWrite}, 0)`)} * ${price('input')}
        + ${tokens(cacheRead)} * ${price('cached_input')}
        + ${tokens(cacheWrite)} * ${price('cache_write_5m')}
        + ${tokens(output)} * ${price('output')}) / 1000000`
  const hasPrice = "(response_price.version != '' OR request_price.version != '')"
  const cost: CostColumns = {
    cost: `if(mapContains(SpanAttributes, 'switchyard.cost.usd'), toDecimal128OrZero(SpanAttributes['switchyard.cost.usd'], 12), if(${hasPrice}, toDecimal128(${computed}, 12), toDecimal128(0, 12)))`,
    source: `if(mapContains(SpanAttributes, 'switchyard.cost.usd'), SpanAttributes['switchyard.cost.source'], if(${hasPrice}, 'catalog', 'unknown'))`,
    version: `if(mapContains(SpanAttributes, 'switchyard.cost.usd'), SpanAttributes['switchyard.price.version'], if(response_price.version != '', response_price.version, request_price.version))`,
  }
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_mv
TO llm_calls
AS SELECT
${selectList(cost)}
FROM (
    SELECT *, ${providerKey} AS PriceProvider, ${modelKey('gen_ai.response.model')} AS PriceResponseModel, ${modelKey('gen_ai.request.model')} AS PriceRequestModel
    FROM otel_traces
    WHERE ${modelCallFilter}
) AS spans
ASOF LEFT JOIN llm_prices AS response_price
    ON spans.PriceProvider = response_price.provider AND spans.PriceResponseModel = response_price.name AND spans.Timestamp >= response_price.effective_from
ASOF LEFT JOIN llm_prices AS request_price
    ON spans.PriceProvider = request_price.provider AND spans.PriceRequestModel = request_price.name AND spans.Timestamp >= request_price.effective_from`
}
