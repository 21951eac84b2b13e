import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { chatCompletionsUsage, chatCompletionsUsageSchema, responsesUsage } from '../../src/providers/openai/openai-usage.js'
import { normalizedUsage } from './normalized-usage.js'

const table = createPriceTable()
const at = new Date('2026-02-01T12:00:00Z')

describe('OpenAI calls priced from recorded usage', () => {
  it('prices a plain Chat Completions call', () => {
    const recorded: unknown = {
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0 },
    }
    const usage = chatCompletionsUsage(chatCompletionsUsageSchema.parse(recorded))
    const result = priceCall({ table, provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage, at })
    // 1200 × $0.15/M + 300 × $0.60/M = 0.00018 + 0.00018 = $0.00036
    expect(result.costUsd).toBe('0.00036')
    expect(result.costUnits).toBe(360_000_000n)
    expect(result.source).toBe('catalog')
    expect(result.priceVersion).toBe('openai/gpt-4o-mini@2024-07-18')
  })

  it('bills cached prompt tokens at the cached price and only the rest at the input price', () => {
    const usage = chatCompletionsUsage({
      prompt_tokens: 5000,
      completion_tokens: 250,
      prompt_tokens_details: { cached_tokens: 4096 },
    })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-4.1', usage, at })
    // 904 × $2/M + 4096 × $0.50/M + 250 × $8/M = 0.001808 + 0.002048 + 0.002 = $0.005856
    expect(result.costUsd).toBe('0.005856')
    expect(result.breakdown.uncachedInput).toEqual({ tokens: 904, usdPerMillion: '2', units: 1_808_000_000n })
    expect(result.breakdown.cacheRead).toEqual({ tokens: 4096, usdPerMillion: '0.5', units: 2_048_000_000n })
  })

  it('counts reasoning tokens once, inside the output (Responses API, o4-mini)', () => {
    const usage = responsesUsage({
      input_tokens: 2000,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 1500,
      output_tokens_details: { reasoning_tokens: 1200 },
    })
    const result = priceCall({ table, provider: 'openai', model: 'o4-mini', usage, at })
    // 2000 × $1.10/M + 1500 × $4.40/M = 0.0022 + 0.0066 = $0.0088 (not 2700 output tokens)
    expect(result.costUsd).toBe('0.0088')
    expect(result.breakdown.reasoningTokens).toBe(1200)
    expect(result.breakdown.output.tokens).toBe(1500)
  })

  it('prices gpt-5 with cached input and reasoning', () => {
    const usage = responsesUsage({
      input_tokens: 12_000,
      input_tokens_details: { cached_tokens: 10_000 },
      output_tokens: 3000,
      output_tokens_details: { reasoning_tokens: 2500 },
    })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-5-2025-08-07', usage, at })
    // 2000 × $1.25/M + 10000 × $0.125/M + 3000 × $10/M = 0.0025 + 0.00125 + 0.03 = $0.03375
    expect(result.costUsd).toBe('0.03375')
  })

  it('prices a stream from the usage of its final chunk (stream_options.include_usage)', () => {
    // data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],
    //        "usage":{"prompt_tokens":812,"completion_tokens":96,"total_tokens":908,
    //                 "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":64}}}
    const usage = chatCompletionsUsage({
      prompt_tokens: 812,
      completion_tokens: 96,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 64 },
    })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-5-nano', usage, at })
    // 812 × $0.05/M + 96 × $0.40/M = 0.0000406 + 0.0000384 = $0.000079
    expect(result.costUsd).toBe('0.000079')
  })

  it('prices an embeddings call on its input alone', () => {
    // {"object":"list","data":[...],"model":"text-embedding-3-small","usage":{"prompt_tokens":8191,"total_tokens":8191}}
    const result = priceCall({ table, provider: 'openai', model: 'text-embedding-3-small', usage: normalizedUsage({ inputTokens: 8191 }), at })
    // 8191 × $0.02/M = $0.00016382
    expect(result.costUsd).toBe('0.00016382')
  })

  it('keeps the launch price of the first GPT-4o snapshot apart from the gpt-4o alias', () => {
    const usage = normalizedUsage({ inputTokens: 1000, outputTokens: 500 })
    // gpt-4o-2024-08-06 → gpt-4o: 1000 × $2.50/M + 500 × $10/M = 0.0025 + 0.005 = $0.0075
    expect(priceCall({ table, provider: 'openai', model: 'gpt-4o-2024-08-06', usage, at }).costUsd).toBe('0.0075')
    // gpt-4o-2024-05-13: 1000 × $5/M + 500 × $15/M = 0.005 + 0.0075 = $0.0125
    expect(priceCall({ table, provider: 'openai', model: 'gpt-4o-2024-05-13', usage, at }).costUsd).toBe('0.0125')
  })
})
