import { priceCall, type PriceTable } from '../src/pricing/index.js'
import type { Usage } from '../src/providers/provider.js'
import type { SpanRow } from './otlp/span-row.js'

const agentOperations = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow'])

/**
 * Price GenAI model-call spans that arrive without `switchyard.cost.usd` (the
 * official GenAI instrumentations, OpenLLMetry, the Vercel AI SDK ...) with the
 * same price table the router uses, so `llm_calls` and every report have their
 * cost. Spans that carry a cost keep it. The usage attributes are read as the
 * GenAI conventions define them: input tokens include cached ones.
 * Returns how many spans were priced.
 */
export function priceAtIngest(rows: readonly SpanRow[], table: PriceTable): number {
  let priced = 0
  for (const row of rows) {
    const attributes = row.SpanAttributes
    if (attributes['switchyard.cost.usd'] !== undefined) continue
    const model = attributes['gen_ai.response.model'] || attributes['gen_ai.request.model']
    const provider = attributes['gen_ai.provider.name'] || attributes['gen_ai.system']
    if (!model || !provider) continue
    if (agentOperations.has(attributes['gen_ai.operation.name'] ?? '')) continue
    const inputTokens = tokens(attributes['gen_ai.usage.input_tokens'] ?? attributes['gen_ai.usage.prompt_tokens'])
    const outputTokens = tokens(attributes['gen_ai.usage.output_tokens'] ?? attributes['gen_ai.usage.completion_tokens'])
    if (inputTokens === undefined && outputTokens === undefined) continue
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
    if (result.source === 'unknown') continue
    attributes['switchyard.cost.usd'] = result.costUsd
    attributes['switchyard.cost.source'] = result.source
    if (result.priceVersion !== undefined) attributes['switchyard.price.version'] = result.priceVersion
    priced += 1
  }
  return priced
}

function tokens(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : undefined
}
