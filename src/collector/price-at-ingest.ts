import { diag } from '@opentelemetry/api'
import { priceCall } from '../pricing/price-call.js'
import type { PriceTable } from '../pricing/price-table.js'
import type { Usage } from '../model-call/usage.js'
import type { SpanRow } from './otlp/span-row.js'
import { screenSpendAttributes } from './screen-spend-attributes.js'

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
 * read as the GenAI conventions define them: input tokens include cached ones.
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
  const inputTokens = tokens(attributes['gen_ai.usage.input_tokens'] ?? attributes['gen_ai.usage.prompt_tokens'])
  const outputTokens = tokens(attributes['gen_ai.usage.output_tokens'] ?? attributes['gen_ai.usage.completion_tokens'])
  if (inputTokens === undefined && outputTokens === undefined) return false
  const usage: Usage = {
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    cacheReadInputTokens: tokens(attributes['gen_ai.usage.cache_read.input_tokens']) ?? 0,
    cacheWriteInputTokens: tokens(attributes['gen_ai.usage.cache_write.input_tokens']) ?? 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: tokens(attributes['gen_ai.usage.reasoning.output_tokens']) ?? 0,
  }
  const result = priceCall({ table, provider, model, usage, at: new Date(Number(row.Timestamp.split('.')[0]) * 1000) })
  // An unpriced model stays without a cost: llm_calls then says `unknown`, never free.
  if (result.source === 'unknown') return false
  attributes['switchyard.cost.usd'] = result.costUsd
  attributes['switchyard.cost.source'] = result.source
  if (result.priceVersion !== undefined) attributes['switchyard.price.version'] = result.priceVersion
  return true
}

function tokens(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : undefined
}
