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
