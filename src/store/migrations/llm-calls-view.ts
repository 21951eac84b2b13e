/**
 * The SELECT of the `llm_calls_mv` materialized view, shared by the migrations that
 * created it (2), added pricing at ingest (4), bounded what a span may claim (5) and
 * left a span without token counts unpriced (7).
 * The text produced for each released migration must never change: it is what stores
 * at that version ran.
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

/** The expressions of the token-count columns. */
interface TokenColumns {
  input: string
  output: string
  cacheRead: string
  cacheWrite: string
  reasoning: string
}

/** Migrations 2 and 4: token counts as recorded, any text that parses as a UInt64. */
const recordedTokens: TokenColumns = {
  input: tokenColumn(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']),
  output: tokenColumn(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']),
  cacheRead: "toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_read.input_tokens'])",
  cacheWrite: "toUInt64OrZero(SpanAttributes['gen_ai.usage.cache_write.input_tokens'])",
  reasoning: "toUInt64OrZero(SpanAttributes['gen_ai.usage.reasoning.output_tokens'])",
}

const recordedCost: CostColumns = {
  cost: "toDecimal128OrZero(SpanAttributes['switchyard.cost.usd'], 12)",
  source: "if(mapContains(SpanAttributes, 'switchyard.cost.usd'), SpanAttributes['switchyard.cost.source'], 'unknown')",
  version: "SpanAttributes['switchyard.price.version']",
}

function selectList(cost: CostColumns, tokens: TokenColumns = recordedTokens): string {
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
    ${tokens.input} AS InputTokens,
    ${tokens.output} AS OutputTokens,
    ${tokens.cacheRead} AS CacheReadInputTokens,
    ${tokens.cacheWrite} AS CacheWriteInputTokens,
    ${tokens.reasoning} AS ReasoningOutputTokens,
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
  return pricedViewStatement({
    spanColumns: [],
    tokens: recordedTokens,
    claimed: "mapContains(SpanAttributes, 'switchyard.cost.usd')",
  })
}

/** What differs between the priced views of migrations 4 and 5. */
interface PricedViewParts {
  /** Columns the inner SELECT over `otel_traces` adds, each `expression AS Name`, computed once per span. */
  spanColumns: readonly string[]
  tokens: TokenColumns
  /** True when the span's own `switchyard.cost.usd` is taken; otherwise the span is priced here. */
  claimed: string
  /** True when the span reports a token count (migration 7); without one a span is `unknown`, never a catalog $0. */
  reportsUsage?: string
}

function pricedViewStatement(parts: PricedViewParts): string {
  const providerKey = `transform(lower(${firstAttribute('gen_ai.provider.name', 'gen_ai.system')}),
      ['gemini', 'google', 'google-ai-studio', 'togetherai', 'together_ai', 'mistralai'],
      ['gcp.gemini', 'gcp.gemini', 'gcp.gemini', 'together', 'together', 'mistral'],
      lower(${firstAttribute('gen_ai.provider.name', 'gen_ai.system')}))`
  const modelKey = (key: string): string => `replaceRegexpOne(SpanAttributes['${key}'], '^.*/', '')`
  const { input, output, cacheRead, cacheWrite } = parts.tokens
  const price = (column: string): string => `if(response_price.version != '', if(response_price.long_context_threshold > 0 AND ${input} > response_price.long_context_threshold, response_price.long_context_${column}, response_price.${column}), if(request_price.long_context_threshold > 0 AND ${input} > request_price.long_context_threshold, request_price.long_context_${column}, request_price.${column}))`
  const tokens = (expression: string): string => `toDecimal128(${expression}, 0)`
  const computed = `(${tokens(`if(${input} > ${cacheRead} + ${cacheWrite}, ${input} - ${cacheRead} - ${cacheWrite}, 0)`)} * ${price('input')}
        + ${tokens(cacheRead)} * ${price('cached_input')}
        + ${tokens(cacheWrite)} * ${price('cache_write_5m')}
        + ${tokens(output)} * ${price('output')}) / 1000000`
  const knownPrice = "(response_price.version != '' OR request_price.version != '')"
  const hasPrice = parts.reportsUsage === undefined ? knownPrice : `(${knownPrice} AND ${parts.reportsUsage})`
  const claimed = parts.claimed
  const entryVersion = "if(response_price.version != '', response_price.version, request_price.version)"
  const cost: CostColumns = {
    cost: `if(${claimed}, toDecimal128OrZero(SpanAttributes['switchyard.cost.usd'], 12), if(${hasPrice}, toDecimal128(${computed}, 12), toDecimal128(0, 12)))`,
    source: `if(${claimed}, SpanAttributes['switchyard.cost.source'], if(${hasPrice}, 'catalog', 'unknown'))`,
    version: `if(${claimed}, SpanAttributes['switchyard.price.version'], ${parts.reportsUsage === undefined ? entryVersion : `if(${hasPrice}, ${entryVersion}, '')`})`,
  }
  const spanColumns = parts.spanColumns.map((column) => `, ${column}`).join('')
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_mv
TO llm_calls
AS SELECT
${selectList(cost, parts.tokens)}
FROM (
    SELECT *, ${providerKey} AS PriceProvider, ${modelKey('gen_ai.response.model')} AS PriceResponseModel, ${modelKey('gen_ai.request.model')} AS PriceRequestModel${spanColumns}
    FROM otel_traces
    WHERE ${modelCallFilter}
) AS spans
ASOF LEFT JOIN llm_prices AS response_price
    ON spans.PriceProvider = response_price.provider AND spans.PriceResponseModel = response_price.name AND spans.Timestamp >= response_price.effective_from
ASOF LEFT JOIN llm_prices AS request_price
    ON spans.PriceProvider = request_price.provider AND spans.PriceRequestModel = request_price.name AND spans.Timestamp >= request_price.effective_from`
}

/**
 * Migration 5's bounds, frozen here as text (a released migration never changes):
 * the same rules as the collector's (src/collector/spend-attribute-limits.ts), and
 * test/collector/cost-validation.test.ts checks that both paths agree.
 * A cost is a plain non-negative decimal of at most 12 decimal places, the scale of
 * `CostUsd`: no sign, exponent, spaces or hex, nothing ClickHouse's lenient parser
 * would read as something else. A token count is plain digits.
 */
const costClaimPattern = '^[0-9]{1,20}([.][0-9]{1,12})?$'
const maxCallCostUsd = '10000'
const tokenCountPattern = '^[0-9]{1,9}$'
const maxTokenCount = '100000000'

/** The first of `keys` that holds a plain token count within bounds, else 0. */
function boundedTokenColumn(keys: readonly string[]): string {
  const value = (key: string): string => `toUInt64OrZero(SpanAttributes['${key}'])`
  const valid = (key: string): string => `(match(SpanAttributes['${key}'], '${tokenCountPattern}') AND ${value(key)} <= ${maxTokenCount})`
  return keys.reduceRight((fallback, key) => `if(${valid(key)}, ${value(key)}, ${fallback})`, 'toUInt64(0)')
}

/**
 * Migration 5: what a span claims about its spend is bounded, because spans also
 * reach `otel_traces` through the official collector, where switchyard's ingest
 * never runs. A span's own cost is taken only when it is a plain decimal of at most
 * `maxCallCostUsd` with a source of `catalog`, `provider` or `estimate`; any other
 * cost (`-4.99`, `1e10`, `NaN`, or `0` marked `unknown`) is treated as absent:
 * priced from the span's tokens as in migration 4, else `unknown`. A token count
 * that is not plain digits within `maxTokenCount` counts as absent (the older
 * attribute name is tried next, as the collector does). So no row can hold a
 * negative cost, a claimed cost is at most the bound and a computed one at most what
 * 10^8 tokens of each class cost at the price table's rates: `sum(CostUsd)` stays
 * exact (10^22 calls at the bound would be needed to leave Decimal(38, 12)).
 */
export function boundedLlmCallsViewStatement(): string {
  return pricedViewStatement(boundedViewParts(['gen_ai.usage.cache_write.input_tokens']))
}

/**
 * Migration 7: as migration 5, and a span that reports no token count at all (some
 * instrumentations drop usage on streams) is `unknown` at cost 0 rather than a
 * `catalog` $0: our collector estimates such a span from its captured content
 * before it gets here, and a span without content cannot be priced. Cache writes
 * are also read under their older name, `gen_ai.usage.cache_creation.input_tokens`.
 */
export function usageReportedLlmCallsViewStatement(): string {
  const valid = (key: string): string => `(match(SpanAttributes['${key}'], '${tokenCountPattern}') AND toUInt64OrZero(SpanAttributes['${key}']) <= ${maxTokenCount})`
  const reported = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'].map(valid).join(' OR ')
  const parts = boundedViewParts(['gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens'])
  return pricedViewStatement({ ...parts, spanColumns: [...parts.spanColumns, `(${reported}) AS UsageReported`], reportsUsage: 'UsageReported' })
}

function boundedViewParts(cacheWriteKeys: readonly string[]): PricedViewParts {
  const cost = "SpanAttributes['switchyard.cost.usd']"
  const claimed = `(match(${cost}, '${costClaimPattern}') AND toDecimal128OrZero(${cost}, 12) <= ${maxCallCostUsd}`
    + " AND SpanAttributes['switchyard.cost.source'] IN ('catalog', 'provider', 'estimate'))"
  return {
    spanColumns: [
      `${claimed} AS CostClaimed`,
      `${boundedTokenColumn(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'])} AS UsageInputTokens`,
      `${boundedTokenColumn(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'])} AS UsageOutputTokens`,
      `${boundedTokenColumn(['gen_ai.usage.cache_read.input_tokens'])} AS UsageCacheReadTokens`,
      `${boundedTokenColumn(cacheWriteKeys)} AS UsageCacheWriteTokens`,
      `${boundedTokenColumn(['gen_ai.usage.reasoning.output_tokens'])} AS UsageReasoningTokens`,
    ],
    tokens: {
      input: 'UsageInputTokens',
      output: 'UsageOutputTokens',
      cacheRead: 'UsageCacheReadTokens',
      cacheWrite: 'UsageCacheWriteTokens',
      reasoning: 'UsageReasoningTokens',
    },
    claimed: 'CostClaimed',
  }
}
