import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { normalizedUsage } from './normalized-usage.js'

const table = createPriceTable()
const at = new Date('2026-02-01T00:00:00Z')

describe('usage that does not add up', () => {
  it('clamps cache reads larger than the input and flags them, instead of billing negative input', () => {
    const usage = normalizedUsage({ inputTokens: 100, cacheReadInputTokens: 150, outputTokens: 10 })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-4o-mini', usage, at })
    // 0 uncached + 100 × $0.075/M + 10 × $0.60/M = 0.0000075 + 0.000006 = $0.0000135
    expect(result.costUsd).toBe('0.0000135')
    expect(result.breakdown.uncachedInput.tokens).toBe(0)
    expect(result.breakdown.flags).toEqual(['cache_read_exceeds_input'])
  })

  it('clamps cache writes to what the cache reads left of the input', () => {
    const usage = normalizedUsage({ inputTokens: 1000, cacheReadInputTokens: 800, cacheWriteInputTokens: 500, cacheWrite1hInputTokens: 600, outputTokens: 0 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5', usage, at })
    // 800 read × $0.10/M + 200 written for 1 h × $2/M = 0.00008 + 0.0004 = $0.00048
    expect(result.costUsd).toBe('0.00048')
    expect(result.breakdown.flags).toEqual(['cache_write_exceeds_input', 'cache_write_1h_exceeds_cache_write'])
  })

  it('bills reasoning once even when it is reported larger than the output', () => {
    const usage = normalizedUsage({ inputTokens: 0, outputTokens: 100, reasoningOutputTokens: 150 })
    const result = priceCall({ table, provider: 'openai', model: 'o3', usage, at })
    // 100 × $8/M = $0.0008
    expect(result.costUsd).toBe('0.0008')
    expect(result.breakdown.reasoningTokens).toBe(100)
    expect(result.breakdown.flags).toEqual(['reasoning_exceeds_output'])
  })

  it('treats negative, fractional and non-finite counts as whole non-negative numbers', () => {
    const usage = normalizedUsage({ inputTokens: -5, outputTokens: 10.7, cacheReadInputTokens: Number.NaN })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-4o-mini', usage, at })
    // 10 × $0.60/M = $0.000006
    expect(result.costUsd).toBe('0.000006')
    expect(result.breakdown.flags).toEqual(['invalid_token_count'])
  })

  it('bills every input token exactly once: the lines add up to the total', () => {
    const usage = normalizedUsage({ inputTokens: 10_000, cacheReadInputTokens: 3000, cacheWriteInputTokens: 4000, cacheWrite1hInputTokens: 1000, outputTokens: 500 })
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', usage, at })
    const { uncachedInput, cacheRead, cacheWrite5m, cacheWrite1h, output } = result.breakdown
    expect(uncachedInput.tokens + cacheRead.tokens + cacheWrite5m.tokens + cacheWrite1h.tokens).toBe(10_000)
    expect(uncachedInput.units + cacheRead.units + cacheWrite5m.units + cacheWrite1h.units + output.units).toBe(result.costUnits)
    // 3000 × $3/M + 3000 × $0.30/M + 3000 × $3.75/M + 1000 × $6/M + 500 × $15/M
    //   = 0.009 + 0.0009 + 0.01125 + 0.006 + 0.0075 = $0.03465
    expect(result.costUsd).toBe('0.03465')
  })
})
