import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { formatUsd, unitsPerUsd } from '../../src/pricing/format-usd.js'
import { parseUsd } from '../../src/pricing/parse-usd.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { normalizedUsage as usage } from './normalized-usage.js'

describe('formatUsd', () => {
  it('writes zero as "0"', () => {
    expect(formatUsd(0n)).toBe('0')
  })

  it('writes the smallest unit, one pico-USD, without an exponent', () => {
    expect(formatUsd(1n)).toBe('0.000000000001')
  })

  it('keeps every digit of a tiny cost', () => {
    expect(formatUsd(123_456_789n)).toBe('0.000123456789')
  })

  it('trims trailing zeros and the point of whole dollars', () => {
    expect(formatUsd(unitsPerUsd)).toBe('1')
    expect(formatUsd(1_500_000_000_000n)).toBe('1.5')
    expect(formatUsd(510_300_000n)).toBe('0.0005103')
  })

  it('writes sums far beyond a float mantissa exactly', () => {
    expect(formatUsd(123_456_789_012_345_678_901_234_567_890n)).toBe('123456789012345678.90123456789')
  })

  it('keeps the sign of a negative amount (a refund)', () => {
    expect(formatUsd(-1n)).toBe('-0.000000000001')
  })
})

describe('parseUsd', () => {
  it('reads a billed figure exactly', () => {
    expect(parseUsd('0.0012345')).toEqual({ units: 1_234_500_000n, rounded: false })
  })

  it('rounds digits past the pico-USD half up and says so', () => {
    // 0.000000000001|5 → 2 pico-USD
    expect(parseUsd('0.0000000000015')).toEqual({ units: 2n, rounded: true })
    // 0.000000000001|4 → 1 pico-USD
    expect(parseUsd('0.0000000000014')).toEqual({ units: 1n, rounded: true })
  })

  it('rejects exponents, signs and words', () => {
    expect(parseUsd('1e-7')).toBeUndefined()
    expect(parseUsd('-1')).toBeUndefined()
    expect(parseUsd('free')).toBeUndefined()
  })
})

describe('sums of many calls', () => {
  it('adds a million priced calls to the exact hand-computed total', () => {
    const table = createPriceTable()
    const at = new Date('2025-10-01T00:00:00Z')
    // gpt-4o-mini, 1234 input of which 200 cached, 567 output:
    //   1034 × $0.15/M + 200 × $0.075/M + 567 × $0.60/M = 0.0001551 + 0.000015 + 0.0003402 = $0.0005103
    const small = priceCall({ table, provider: 'openai', model: 'gpt-4o-mini', at, usage: usage({ inputTokens: 1234, cacheReadInputTokens: 200, outputTokens: 567 }) })
    // claude-haiku-4-5, 3000 input, 700 output: 3000 × $1/M + 700 × $5/M = $0.0065
    const medium = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5', at: new Date('2025-11-01T00:00:00Z'), usage: usage({ inputTokens: 3000, outputTokens: 700 }) })
    // deepseek-chat after 2025-09-29, 10000 input of which 8000 cache hits, 1000 output:
    //   2000 × $0.28/M + 8000 × $0.028/M + 1000 × $0.42/M = 0.00056 + 0.000224 + 0.00042 = $0.001204
    const cheap = priceCall({ table, provider: 'deepseek', model: 'deepseek-chat', at, usage: usage({ inputTokens: 10_000, cacheReadInputTokens: 8000, outputTokens: 1000 }) })
    expect([small.costUsd, medium.costUsd, cheap.costUsd]).toEqual(['0.0005103', '0.0065', '0.001204'])

    const costs = [small.costUnits, medium.costUnits, cheap.costUnits]
    let total = 0n
    for (let call = 0; call < 1_000_000; call += 1) total += costs[call % 3] ?? 0n
    // 333334 × 0.0005103 + 333333 × 0.0065 + 333333 × 0.001204
    //   = 170.1003402 + 2166.6645 + 401.332932 = $2738.0977722
    expect(formatUsd(total)).toBe('2738.0977722')
  })
})
