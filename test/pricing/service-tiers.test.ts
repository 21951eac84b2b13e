import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { formatUsd } from '../../src/pricing/format-usd.js'
import { priceCall } from '../../src/pricing/price-call.js'
import type { PriceEntryInput } from '../../src/pricing/price-entry-schema.js'
import { isPriceTableError } from '../../src/pricing/price-table-error.js'
import { worstCaseCost } from '../../src/pricing/worst-case-cost.js'
import { normalizedUsage } from './normalized-usage.js'

const at = new Date('2026-02-01T00:00:00Z')
const usage = normalizedUsage({ inputTokens: 10_000, cacheReadInputTokens: 4_000, outputTokens: 1_000 })

const tiered: PriceEntryInput = {
  provider: 'acme',
  model: 'acme-tiered',
  effectiveFrom: '2026-01-01',
  source: 'https://acme.example/pricing',
  prices: { input: '2', cachedInput: '0.2', output: '10' },
  longContext: { thresholdInputTokens: 100_000, prices: { input: '4', cachedInput: '0.4', output: '15' } },
  serviceTiers: {
    flex: { input: '1', cachedInput: '0.1', output: '5' },
    priority: { input: '3.5', cachedInput: '0.35', output: '18', longContext: { input: '7', cachedInput: '0.7', output: '27' } },
  },
}
const table = createPriceTable({ catalog: false, entries: [tiered] })

function cost(serviceTier: string | undefined, counts = usage): string {
  return priceCall({ table, provider: 'acme', model: 'acme-tiered', usage: counts, at, ...(serviceTier === undefined ? {} : { serviceTier }) }).costUsd
}

describe('service tiers', () => {
  it('bills the standard prices without a tier and for default, auto and standard', () => {
    // 6000 × $2/M + 4000 × $0.20/M + 1000 × $10/M = 0.012 + 0.0008 + 0.01
    expect(cost(undefined)).toBe('0.0228')
    for (const tier of ['default', 'auto', 'standard', 'DEFAULT']) expect(cost(tier)).toBe('0.0228')
  })

  it('bills a listed tier at its own prices and says which on the breakdown', () => {
    // 6000 × $1/M + 4000 × $0.10/M + 1000 × $5/M
    expect(cost('flex')).toBe('0.0114')
    const priority = priceCall({ table, provider: 'acme', model: 'acme-tiered', usage, at, serviceTier: 'Priority' })
    // 6000 × $3.50/M + 4000 × $0.35/M + 1000 × $18/M
    expect(priority.costUsd).toBe('0.0404')
    expect(priority.breakdown.serviceTier).toBe('priority')
    expect(priority.source).toBe('catalog')
  })

  it('bills a long prompt at the tier\'s long-context prices, or at its own prices when it has none', () => {
    const long = normalizedUsage({ inputTokens: 200_000, outputTokens: 1_000 })
    // 200000 × $7/M + 1000 × $27/M
    expect(cost('priority', long)).toBe('1.427')
    // flex lists no long-context prices: 200000 × $1/M + 1000 × $5/M
    expect(cost('flex', long)).toBe('0.205')
  })

  it('bills a tier the entry does not list at the standard prices, flagged', () => {
    const result = priceCall({ table, provider: 'acme', model: 'acme-tiered', usage, at, serviceTier: 'scale' })
    expect(result.costUsd).toBe('0.0228')
    expect(result.breakdown.flags).toContain('service_tier_unpriced')
  })

  it('reserves at the tier a request asks for', () => {
    const standard = worstCaseCost({ table, provider: 'acme', model: 'acme-tiered', inputTokens: 1000, maxOutputTokens: 1000, at })
    const priority = worstCaseCost({ table, provider: 'acme', model: 'acme-tiered', inputTokens: 1000, maxOutputTokens: 1000, at, serviceTier: 'priority' })
    expect(formatUsd(standard)).toBe('0.012')
    expect(formatUsd(priority)).toBe('0.0215')
  })

  it('refuses a tier name that is not a lower-case word, naming the field', () => {
    let caught: unknown
    try {
      createPriceTable({ catalog: false, entries: [{ ...tiered, serviceTiers: { 'Flex Tier': { input: '1', output: '1' } } }] })
    } catch (error) {
      caught = error
    }
    expect(isPriceTableError(caught)).toBe(true)
    expect((caught as Error).message).toContain('serviceTiers')
  })
})

describe('the catalog\'s service tiers and December 2026 additions', () => {
  const catalog = createPriceTable()
  const december = new Date('2026-12-01T00:00:00Z')
  const call = normalizedUsage({ inputTokens: 1_000_000, cacheReadInputTokens: 400_000, outputTokens: 100_000 })
  const costOf = (provider: string, model: string, serviceTier?: string): string =>
    priceCall({ table: catalog, provider, model, usage: call, at: december, ...(serviceTier === undefined ? {} : { serviceTier }) }).costUsd

  it('bills OpenAI priority calls at the Priority processing prices', () => {
    // 600K × $1.25 + 400K × $0.125 + 100K × $10 = 0.75 + 0.05 + 1
    expect(costOf('openai', 'gpt-5')).toBe('1.8')
    // 600K × $2.50 + 400K × $0.25 + 100K × $20 = 1.5 + 0.1 + 2
    expect(costOf('openai', 'gpt-5-2025-08-07', 'priority')).toBe('3.6')
    // 600K × $3.50 + 400K × $0.875 + 100K × $14
    expect(costOf('openai', 'gpt-4.1', 'priority')).toBe('3.85')
  })

  it('bills Anthropic batch calls at half of every price, cache included, long context too', () => {
    // haiku 4.5: 600K × $1 + 400K × $0.10 + 100K × $5 = 1.14; batch half
    expect(costOf('anthropic', 'claude-haiku-4-5')).toBe('1.14')
    expect(costOf('anthropic', 'claude-haiku-4-5-20251001', 'batch')).toBe('0.57')
    // sonnet 4.5 over 200K prompt tokens: 600K × $6 + 400K × $0.60 + 100K × $22.50 = 6.09; batch half
    expect(costOf('anthropic', 'claude-sonnet-4-5', 'batch')).toBe('3.045')
  })

  it('prices the models added in December 2026 from their pages', () => {
    // gpt-5.1: as gpt-5
    expect(costOf('openai', 'gpt-5.1-2025-11-13')).toBe('1.8')
    // gpt-5.4-nano: 600K × $0.20 + 400K × $0.02 + 100K × $1.25 = 0.12 + 0.008 + 0.125
    expect(costOf('openai', 'gpt-5.4-nano')).toBe('0.253')
    // gemini-3-flash-preview: 600K × $0.50 + 400K × $0.05 + 100K × $3 = 0.3 + 0.02 + 0.3
    expect(costOf('gcp.gemini', 'models/gemini-3-flash-preview')).toBe('0.62')
    for (const entry of catalog.entries) {
      expect(entry.source).toMatch(/^https:\/\//)
      expect(Number.isNaN(entry.effectiveFrom.getTime())).toBe(false)
    }
  })
})
