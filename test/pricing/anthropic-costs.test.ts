import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { estimateCutStreamUsage } from '../../src/pricing/estimate-cut-stream-usage.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { anthropicUsage, mergeAnthropicUsage } from '../../src/providers/anthropic/anthropic-usage.js'

const table = createPriceTable()
const at = new Date('2026-01-15T09:30:00Z')

describe('Anthropic calls priced from recorded usage', () => {
  it('prices a plain Messages call', () => {
    const usage = anthropicUsage({ input_tokens: 3000, output_tokens: 700, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5-20251001', usage, at })
    // 3000 × $1/M + 700 × $5/M = 0.003 + 0.0035 = $0.0065
    expect(result.costUsd).toBe('0.0065')
    expect(result.priceVersion).toBe('anthropic/claude-haiku-4-5@2025-10-15')
  })

  it('bills a 5-minute cache write at 1.25 × input', () => {
    const usage = anthropicUsage({
      input_tokens: 50,
      cache_creation_input_tokens: 10_000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 10_000, ephemeral_1h_input_tokens: 0 },
      output_tokens: 400,
    })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', usage, at })
    // 50 × $3/M + 10000 × $3.75/M + 400 × $15/M = 0.00015 + 0.0375 + 0.006 = $0.04365
    expect(result.costUsd).toBe('0.04365')
    expect(result.breakdown.cacheWrite5m.tokens).toBe(10_000)
  })

  it('bills a cache read at 0.1 × input', () => {
    const usage = anthropicUsage({ input_tokens: 120, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 0, output_tokens: 350 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', usage, at })
    // 120 × $3/M + 10000 × $0.30/M + 350 × $15/M = 0.00036 + 0.003 + 0.00525 = $0.00861
    expect(result.costUsd).toBe('0.00861')
  })

  it('bills 1-hour cache writes at 2 × input and the rest of the writes at the 5-minute price', () => {
    const usage = anthropicUsage({
      input_tokens: 20,
      cache_creation_input_tokens: 6000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 4000 },
      output_tokens: 100,
    })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-opus-4-1-20250805', usage, at })
    // 20 × $15/M + 2000 × $18.75/M + 4000 × $30/M + 100 × $75/M = 0.0003 + 0.0375 + 0.12 + 0.0075 = $0.1653
    expect(result.costUsd).toBe('0.1653')
  })

  it('bills the whole request at the long-context rates when the prompt exceeds 200K tokens', () => {
    const usage = anthropicUsage({ input_tokens: 150_000, cache_read_input_tokens: 60_000, cache_creation_input_tokens: 0, output_tokens: 2000 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', usage, at })
    // prompt 210000 > 200000: 150000 × $6/M + 60000 × $0.60/M + 2000 × $22.50/M = 0.9 + 0.036 + 0.045 = $0.981
    expect(result.costUsd).toBe('0.981')
    expect(result.breakdown.tier).toBe('long_context')
  })

  it('keeps the base rates for a prompt of exactly 200K tokens', () => {
    const usage = anthropicUsage({ input_tokens: 140_000, cache_read_input_tokens: 60_000, cache_creation_input_tokens: 0, output_tokens: 2000 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', usage, at })
    // 140000 × $3/M + 60000 × $0.30/M + 2000 × $15/M = 0.42 + 0.018 + 0.03 = $0.468
    expect(result.costUsd).toBe('0.468')
    expect(result.breakdown.tier).toBe('base')
  })

  it('bills extended thinking as output (it is inside output_tokens)', () => {
    const usage = anthropicUsage({ input_tokens: 1000, output_tokens: 5000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-opus-4-5', usage, at })
    // 1000 × $5/M + 5000 × $25/M = 0.005 + 0.125 = $0.13
    expect(result.costUsd).toBe('0.13')
  })

  it('prices a stream from message_start merged with the final message_delta', () => {
    const start = { input_tokens: 2048, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 }
    const delta = { output_tokens: 512 }
    const usage = anthropicUsage(mergeAnthropicUsage(start, delta))
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5', usage, at })
    // 2048 × $1/M + 512 × $5/M = 0.002048 + 0.00256 = $0.004608
    expect(result.costUsd).toBe('0.004608')
  })

  it('estimates a stream cut before message_delta from the text it delivered', () => {
    const partialUsage = anthropicUsage({ input_tokens: 2048, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 })
    const usage = estimateCutStreamUsage({ partialUsage, outputText: 'a'.repeat(1001) })
    expect(usage.outputTokens).toBe(251) // ⌈1001 / 4⌉
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5', usage, at, estimated: true })
    // 2048 × $1/M + 251 × $5/M = 0.002048 + 0.001255 = $0.003303
    expect(result.costUsd).toBe('0.003303')
    expect(result.source).toBe('estimate')
  })

  it('prices Sonnet 4.6 with the long-context premium during the beta and without it after GA', () => {
    const usage = anthropicUsage({ input_tokens: 150_000, cache_read_input_tokens: 60_000, cache_creation_input_tokens: 0, output_tokens: 2000 })
    const beta = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-6', usage, at: new Date('2026-03-01T00:00:00Z') })
    const general = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-6', usage, at: new Date('2026-04-01T00:00:00Z') })
    // beta: 150000 × $6/M + 60000 × $0.60/M + 2000 × $22.50/M = $0.981
    expect(beta.costUsd).toBe('0.981')
    expect(beta.priceVersion).toBe('anthropic/claude-sonnet-4-6@2026-02-17')
    // GA: 150000 × $3/M + 60000 × $0.30/M + 2000 × $15/M = 0.45 + 0.018 + 0.03 = $0.498
    expect(general.costUsd).toBe('0.498')
    expect(general.priceVersion).toBe('anthropic/claude-sonnet-4-6@2026-03-13')
  })
})
