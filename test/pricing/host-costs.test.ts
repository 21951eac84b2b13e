import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { chatCompletionsUsage, chatCompletionsUsageSchema } from '../../src/providers/openai/openai-usage.js'

const table = createPriceTable()
const at = new Date('2026-07-01T00:00:00Z')

function recordedUsage(payload: unknown) {
  return chatCompletionsUsage(chatCompletionsUsageSchema.parse(payload))
}

describe('OpenAI-compatible hosts priced from recorded usage', () => {
  it('prices Groq Llama 3.3 70B', () => {
    const usage = recordedUsage({ prompt_tokens: 3000, completion_tokens: 1000, total_tokens: 4000, queue_time: 0.02, prompt_time: 0.1 })
    const result = priceCall({ table, provider: 'groq', model: 'llama-3.3-70b-versatile', usage, at })
    // 3000 × $0.59/M + 1000 × $0.79/M = 0.00177 + 0.00079 = $0.00256
    expect(result.costUsd).toBe('0.00256')
  })

  it("prices Groq's openai/gpt-oss-120b as Groq's own model id, cache hits and reasoning included", () => {
    const usage = recordedUsage({
      prompt_tokens: 5000,
      completion_tokens: 2000,
      prompt_tokens_details: { cached_tokens: 4000 },
      completion_tokens_details: { reasoning_tokens: 1500 },
    })
    const result = priceCall({ table, provider: 'groq', model: 'openai/gpt-oss-120b', usage, at })
    // 1000 × $0.15/M + 4000 × $0.075/M + 2000 × $0.60/M = 0.00015 + 0.0003 + 0.0012 = $0.00165
    expect(result.costUsd).toBe('0.00165')
    expect(result.priceVersion).toBe('groq/openai/gpt-oss-120b@2026-06-04')
  })

  it('prices Together Llama 3.3 70B Turbo, whatever the case of its id', () => {
    const usage = recordedUsage({ prompt_tokens: 1500, completion_tokens: 500 })
    const result = priceCall({ table, provider: 'together', model: 'meta-llama/llama-3.3-70b-instruct-turbo', usage, at })
    // 1500 × $0.88/M + 500 × $0.88/M = $0.00176
    expect(result.costUsd).toBe('0.00176')
  })

  it("prices DeepSeek's cache hits from prompt_cache_hit_tokens, before and after the price cut of 2025-09-29", () => {
    const usage = recordedUsage({ prompt_tokens: 10_000, prompt_cache_hit_tokens: 8000, prompt_cache_miss_tokens: 2000, completion_tokens: 1000 })
    const before = priceCall({ table, provider: 'deepseek', model: 'deepseek-chat', usage, at: new Date('2025-09-20T00:00:00Z') })
    const after = priceCall({ table, provider: 'deepseek', model: 'deepseek-chat', usage, at: new Date('2025-10-01T00:00:00Z') })
    // before: 2000 × $0.56/M + 8000 × $0.07/M + 1000 × $1.68/M = 0.00112 + 0.00056 + 0.00168 = $0.00336
    expect(before.costUsd).toBe('0.00336')
    // after: 2000 × $0.28/M + 8000 × $0.028/M + 1000 × $0.42/M = 0.00056 + 0.000224 + 0.00042 = $0.001204
    expect(after.costUsd).toBe('0.001204')
    expect([before.priceVersion, after.priceVersion]).toEqual(['deepseek/deepseek-chat@2025-09-05', 'deepseek/deepseek-chat@2025-09-29'])
  })

  it('starts DeepSeek prices at the documented hour, not the day', () => {
    const usage = recordedUsage({ prompt_tokens: 1000, completion_tokens: 100 })
    const justBefore = priceCall({ table, provider: 'deepseek', model: 'deepseek-reasoner', usage, at: new Date('2025-09-05T15:59:59.999Z') })
    const onTheHour = priceCall({ table, provider: 'deepseek', model: 'deepseek-reasoner', usage, at: new Date('2025-09-05T16:00:00Z') })
    // No DeepSeek price is in force yet: the call counts at the dearest price of any provider, never at 0.
    expect(justBefore).toMatchObject({ source: 'estimate', priceVersion: 'unknown_model:most_expensive:any' })
    // 1000 × $0.56/M + 100 × $1.68/M = 0.00056 + 0.000168 = $0.000728
    expect(onTheHour.costUsd).toBe('0.000728')
  })

  it('prices Mistral Medium 3.1', () => {
    const usage = recordedUsage({ prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 })
    const result = priceCall({ table, provider: 'mistral', model: 'mistral-medium-2508', usage, at })
    // 2000 × $0.40/M + 1000 × $2/M = 0.0008 + 0.002 = $0.0028
    expect(result.costUsd).toBe('0.0028')
  })
})

describe('OpenRouter', () => {
  it("takes OpenRouter's billed usage.cost over the catalog price", () => {
    const usage = recordedUsage({ prompt_tokens: 1000, completion_tokens: 100, cost: 0.0012345 })
    const result = priceCall({ table, provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5', usage, at })
    expect(result).toMatchObject({ costUsd: '0.0012345', costUnits: 1_234_500_000n, source: 'provider' })
    expect(result.priceVersion).toBeUndefined()
    // The catalog figure stays in the breakdown: 1000 × $3/M + 100 × $15/M = $0.0045
    expect(result.breakdown.catalogUnits).toBe(4_500_000_000n)
  })

  it('prices an OpenRouter id without a billed cost at its upstream provider', () => {
    const usage = recordedUsage({ prompt_tokens: 1000, completion_tokens: 100 })
    const result = priceCall({ table, provider: 'openrouter', model: 'openai/gpt-4o', usage, at })
    // 1000 × $2.50/M + 100 × $10/M = 0.0025 + 0.001 = $0.0035
    expect(result).toMatchObject({ costUsd: '0.0035', source: 'catalog', priceVersion: 'openai/gpt-4o@2024-10-02' })
  })

  it('falls back to the catalog when the billed cost is not a number, and flags it', () => {
    const usage = { ...recordedUsage({ prompt_tokens: 1000, completion_tokens: 100 }), providerCostUsd: 'n/a' }
    const result = priceCall({ table, provider: 'openrouter', model: 'openai/gpt-4o', usage, at })
    expect(result).toMatchObject({ costUsd: '0.0035', source: 'catalog' })
    expect(result.breakdown.flags).toContain('provider_cost_invalid')
  })
})
