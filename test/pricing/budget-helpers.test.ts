import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { estimateCutStreamUsage } from '../../src/pricing/estimate-cut-stream-usage.js'
import { countCharacters, estimateOutputTokens } from '../../src/pricing/estimate-output-tokens.js'
import { formatUsd } from '../../src/pricing/format-usd.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { isPriceNotFoundError } from '../../src/pricing/price-not-found-error.js'
import { worstCaseCost } from '../../src/pricing/worst-case-cost.js'
import { normalizedUsage } from './normalized-usage.js'

const table = createPriceTable()
const at = new Date('2026-02-01T00:00:00Z')

describe('worstCaseCost', () => {
  it('reserves every prompt token at the dearest input-side price and the whole output limit', () => {
    const units = worstCaseCost({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 10_000, maxOutputTokens: 4096, at })
    // 10000 × $6/M (1-hour cache write) + 4096 × $15/M = 0.06 + 0.06144 = $0.12144
    expect(formatUsd(units)).toBe('0.12144')
  })

  it('reserves at the long-context tier for a long prompt', () => {
    const units = worstCaseCost({ table, provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 300_000, maxOutputTokens: 8192, at })
    // 300000 × $12/M + 8192 × $22.50/M = 3.6 + 0.18432 = $3.78432
    expect(formatUsd(units)).toBe('3.78432')
  })

  it('never reserves less than the priced call then costs', () => {
    const usage = normalizedUsage({ inputTokens: 1000, cacheReadInputTokens: 400, outputTokens: 900 })
    const reserved = worstCaseCost({ table, provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1000, maxOutputTokens: 1000, at })
    const spent = priceCall({ table, provider: 'openai', model: 'gpt-4o-mini', usage, at }).costUnits
    // 1000 × $0.15/M + 1000 × $0.60/M = $0.00075
    expect(formatUsd(reserved)).toBe('0.00075')
    expect(spent <= reserved).toBe(true)
  })

  it('refuses to reserve for a model without a price when the table has none to count it at', () => {
    let caught: unknown
    try {
      worstCaseCost({ table: createPriceTable({ catalog: false, entries: [] }), provider: 'acme', model: 'acme-1', inputTokens: 1, maxOutputTokens: 1, at })
    } catch (error) {
      caught = error
    }
    expect(isPriceNotFoundError(caught)).toBe(true)
    expect(caught).toMatchObject({ provider: 'acme', model: 'acme-1' })
  })
})

describe('estimates for cut streams', () => {
  it('estimates about four characters per token, rounding up, counting code points', () => {
    expect(estimateOutputTokens('')).toBe(0)
    expect(estimateOutputTokens('abcd')).toBe(1)
    expect(estimateOutputTokens('abcde')).toBe(2)
    expect(estimateOutputTokens('😀😀😀😀')).toBe(1)
  })

  it('counts code points as a for-of loop does: pairs once, lone surrogates once each', () => {
    const texts = ['', 'a', 'abc', '😀', 'a😀b', '😀😀', '\ud83d', '\ude00', 'x\ud83d', '\ude00\ud83d', '\ud83d\ud83d\ude00', 'é中文😀\ud83d']
    for (const text of texts) expect(countCharacters(text), JSON.stringify(text)).toBe([...text].length)
  })

  it('estimates from a count of code points as from the text itself', () => {
    const deltas = ['Hello', ' 😀', ' wörld', '\ud83d', '\ude00 and more']
    const counted = deltas.reduce((sum, delta) => sum + countCharacters(delta), 0)
    const fromText = estimateCutStreamUsage({ outputText: deltas.join(''), inputTokens: 10 })
    // The pair split across two deltas counts as two there, one in the joined text.
    expect(counted).toBe([...deltas.join('')].length + 1)
    expect(estimateCutStreamUsage({ outputCharacters: counted - 1, inputTokens: 10 })).toEqual(fromText)
    expect(estimateCutStreamUsage({ outputCharacters: 401 }).outputTokens).toBe(101)
  })

  it('uses a known prompt size when the stream reported no usage at all', () => {
    const usage = estimateCutStreamUsage({ outputText: 'x'.repeat(400), inputTokens: 1200 })
    const result = priceCall({ table, provider: 'openai', model: 'gpt-4.1-mini', usage, at, estimated: true })
    // 1200 × $0.40/M + 100 × $1.60/M = 0.00048 + 0.00016 = $0.00064
    expect(result).toMatchObject({ costUsd: '0.00064', source: 'estimate', priceVersion: 'openai/gpt-4.1-mini@2025-04-14' })
  })

  it('keeps a reported output count larger than the text estimate', () => {
    const partialUsage = normalizedUsage({ inputTokens: 50, outputTokens: 90, reasoningOutputTokens: 80 })
    expect(estimateCutStreamUsage({ partialUsage, outputText: 'short' })).toMatchObject({ inputTokens: 50, outputTokens: 90, reasoningOutputTokens: 80 })
  })
})
