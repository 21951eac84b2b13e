import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { estimateInputTokens } from '../../src/pricing/estimate-input-tokens.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { worstCaseCost } from '../../src/pricing/worst-case-cost.js'
import { normalizedUsage } from './normalized-usage.js'

const table = createPriceTable()
const at = new Date('2026-12-01T12:00:00Z')

describe('embeddings priced on their input alone', () => {
  it.each([
    ['openai', 'text-embedding-3-small', '0.00002', 'openai/text-embedding-3-small@2024-01-25'],
    ['openai', 'text-embedding-3-large', '0.00013', 'openai/text-embedding-3-large@2024-01-25'],
    ['openai', 'text-embedding-ada-002', '0.0001', 'openai/text-embedding-ada-002@2023-06-13'],
    ['gcp.gemini', 'gemini-embedding-001', '0.00015', 'gcp.gemini/gemini-embedding-001@2025-07-14'],
  ])('%s %s: 1000 input tokens cost %s at the published price', (provider, model, costUsd, version) => {
    const result = priceCall({ table, provider, model, usage: normalizedUsage({ inputTokens: 1000 }), at })
    expect(result).toMatchObject({ costUsd, source: 'catalog', priceVersion: version })
  })

  it('names the price page and the date of each embedding entry', () => {
    for (const [provider, model] of [['openai', 'text-embedding-ada-002'], ['gcp.gemini', 'gemini-embedding-001']] as const) {
      const lookup = table.find({ provider, model, at })
      if (!lookup.found) throw new Error(`${model} is not priced`)
      expect(lookup.entry.source).toMatch(/^https:\/\//)
      expect(lookup.entry.effectiveFrom.getTime()).toBeLessThan(at.getTime())
    }
  })

  it('has no price for text-embedding-ada-002 before its 2023 price cut', () => {
    expect(table.find({ provider: 'openai', model: 'text-embedding-ada-002', at: new Date('2023-01-01T00:00:00Z') }).found).toBe(false)
  })

  it('prices estimated tokens (Gemini reports none) with source estimate', () => {
    const tokens = estimateInputTokens(['What is the meaning of life?', 'naïve café'])
    // 28 code points → 7 tokens; 10 code points → 3 tokens
    expect(tokens).toBe(10)
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-embedding-001', usage: normalizedUsage({ inputTokens: tokens }), at, estimated: true })
    expect(result).toMatchObject({ costUsd: '0.0000015', source: 'estimate' })
  })

  it('reserves input tokens × the input price when no output can come', () => {
    // 5000 × $0.13/M = $0.00065 = 650_000_000 pico-USD
    expect(worstCaseCost({ table, provider: 'openai', model: 'text-embedding-3-large', inputTokens: 5000, maxOutputTokens: 0, at })).toBe(650_000_000n)
  })
})
