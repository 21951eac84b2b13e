import { diag } from '@opentelemetry/api'
import { capturedContentTokens } from '../pricing/captured-content-tokens.js'
import { priceCall } from '../pricing/price-call.js'
import type { PriceTable } from '../pricing/price-table.js'
import type { Usage } from '../model-call/usage.js'
import type { SpanRow } from './otlp/span-row.js'
import { screenSpendAttributes } from './screen-spend-attributes.js'
import { spendAttributeLimits } from './spend-attribute-limits.js'

const agentOperations = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow'])

/** What priceAtIngest did to one request's spans. */
export interface IngestPricing {
  /** Spans priced from their tokens. */
  priced: number
  /** Cost claims and token counts refused (see screenSpendAttributes). */
  rejected: number
}

/**
 * Price GenAI model-call spans that arrive without `switchyard.cost.usd` (the
 * official GenAI instrumentations, OpenLLMetry, the Vercel AI SDK ...) with the
 * same price table the router uses, so `llm_calls` and every report have their
 * cost. First every span's spend claims are screened: a cost that is not a plain
 * decimal within bounds with a known source, or a token count that is not plain
 * digits within bounds, is refused, and such a span is priced here as if it had
 * never carried a cost. Spans whose cost passes keep it. The usage attributes are
 * read as the GenAI conventions define them: input tokens include cached ones
 * (the older `gen_ai.usage.cache_creation.input_tokens` is read too), at the
 * prices of the service tier the span names (`switchyard.service_tier`, else
 * `openai.response.service_tier`). A span without token counts is estimated
 * from its captured content (source `estimate`), or left unpriced without any.
 * Never throws: a span that cannot be priced keeps no cost (the store's view then
 * prices it or marks it `unknown`), and the next span is screened all the same.
 */
export function priceAtIngest(rows: readonly SpanRow[], table: PriceTable): IngestPricing {
  const counts: IngestPricing = { priced: 0, rejected: 0 }
  let failure: unknown
  for (const row of rows) {
    counts.rejected += screenSpendAttributes(row.SpanAttributes)
    try {
      if (priceSpan(row, table)) counts.priced += 1
    } catch (error) {
      failure ??= error
    }
  }
  // Once per request: a price table that fails, fails for every span alike.
  if (failure !== undefined) diag.warn(`switchyard collector: pricing at ingest failed: ${String(failure)}`)
  return counts
}

/** Price one screened span that carries no cost; true when it was priced. */
function priceSpan(row: SpanRow, table: PriceTable): boolean {
  const attributes = row.SpanAttributes
  if (attributes['switchyard.cost.usd'] !== undefined) return false
  const model = attributes['gen_ai.response.model'] || attributes['gen_ai.request.model']
  const provider = attributes['gen_ai.provider.name'] || attributes['gen_ai.system']
  if (!model || !provider) return false
  if (agentOperations.has(attributes['gen_ai.operation.name'] ?? '')) return false
  const measured = measuredUsage(attributes)
  // Some instrumentations drop usage on streams: a span without counts is never a
  // catalog $0. Its captured content, if any, gives an estimate; else it stays unpriced.
  const usage = measured ?? estimatedUsage(attributes)
  if (usage === undefined) return false
  const at = new Date(Number(row.Timestamp.split('.')[0]) * 1000)
  const result = priceCall({ table, provider, model, usage, at, estimated: measured === undefined, serviceTier: serviceTierOf(attributes) })
  // A model no policy can price stays without a cost: llm_calls then says `unknown`, never free.
  if (result.source === 'unknown') return false
  attributes['switchyard.cost.usd'] = result.costUsd
  attributes['switchyard.cost.source'] = result.source
  if (result.priceVersion !== undefined) attributes['switchyard.price.version'] = result.priceVersion
  return true
}

type Attributes = SpanRow['SpanAttributes']

/** The usage a span reports, when it reports any token count. */
function measuredUsage(attributes: Attributes): Usage | undefined {
  const inputTokens = tokens(attributes['gen_ai.usage.input_tokens'] ?? attributes['gen_ai.usage.prompt_tokens'])
  const outputTokens = tokens(attributes['gen_ai.usage.output_tokens'] ?? attributes['gen_ai.usage.completion_tokens'])
  if (inputTokens === undefined && outputTokens === undefined) return undefined
  return {
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    cacheReadInputTokens: tokens(attributes['gen_ai.usage.cache_read.input_tokens']) ?? 0,
    // The older name of the cache-write count, still sent by some instrumentations.
    cacheWriteInputTokens: tokens(attributes['gen_ai.usage.cache_write.input_tokens'] ?? attributes['gen_ai.usage.cache_creation.input_tokens']) ?? 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: tokens(attributes['gen_ai.usage.reasoning.output_tokens']) ?? 0,
  }
}

/** Usage estimated from captured content (GenAI conventions, or OpenLLMetry's indexed prompt and completion), when there is some. */
function estimatedUsage(attributes: Attributes): Usage | undefined {
  let inputTokens = contentTokens(attributes['gen_ai.input.messages']) + contentTokens(attributes['gen_ai.system_instructions'])
  let outputTokens = contentTokens(attributes['gen_ai.output.messages'])
  for (const key in attributes) {
    const indexed = indexedContent.exec(key)
    if (indexed === null) continue
    if (indexed[1] === 'prompt') inputTokens += contentTokens(attributes[key])
    else outputTokens += contentTokens(attributes[key])
  }
  // Empty captured content says nothing about what the call cost.
  if (inputTokens === 0 && outputTokens === 0) return undefined
  return { inputTokens, outputTokens, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 }
}

const indexedContent = /^gen_ai\.(prompt|completion)\.\d{1,4}\.content$/

function contentTokens(value: string | undefined): number {
  return value === undefined || value === '' ? 0 : capturedContentTokens(value)
}

/** The service tier that served the call: switchyard's attribute, else OpenAI's semantic-convention one. */
function serviceTierOf(attributes: Attributes): string | undefined {
  const tier = attributes['switchyard.service_tier'] || attributes['openai.response.service_tier']
  return tier !== undefined && tier !== '' && tier.length <= 32 ? tier : undefined
}

/** A token count within the collector's bound; the older attribute names are not screened, so it is checked here too. */
function tokens(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  return Number.isSafeInteger(parsed) && parsed >= 0 && parsed <= spendAttributeLimits.maxTokenCount ? parsed : undefined
}
