import { describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import type { Usage } from '../../src/model-call/usage.js'

const table = createPriceTable()
const at = new Date('2026-05-01T00:00:00Z')

/** Gemini's usageMetadata: promptTokenCount includes the cached tokens; thoughts are output billed apart from candidates. */
interface UsageMetadata {
  promptTokenCount: number
  cachedContentTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
}

function geminiUsage(metadata: UsageMetadata): Usage {
  const thoughts = metadata.thoughtsTokenCount ?? 0
  return {
    inputTokens: metadata.promptTokenCount,
    outputTokens: (metadata.candidatesTokenCount ?? 0) + thoughts,
    cacheReadInputTokens: metadata.cachedContentTokenCount ?? 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: thoughts,
  }
}

describe('Gemini calls priced from recorded usageMetadata', () => {
  it('bills thinking tokens at the output price', () => {
    const usage = geminiUsage({ promptTokenCount: 4000, candidatesTokenCount: 800, thoughtsTokenCount: 1200 })
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-flash', usage, at })
    // 4000 × $0.30/M + 2000 × $2.50/M = 0.0012 + 0.005 = $0.0062
    expect(result.costUsd).toBe('0.0062')
  })

  it('bills cached content at the cached price', () => {
    const usage = geminiUsage({ promptTokenCount: 40_000, cachedContentTokenCount: 32_768, candidatesTokenCount: 500 })
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-flash', usage, at })
    // 7232 × $0.30/M + 32768 × $0.03/M + 500 × $2.50/M = 0.0021696 + 0.00098304 + 0.00125 = $0.00440264
    expect(result.costUsd).toBe('0.00440264')
  })

  it('prices Gemini 2.5 Pro at the base tier up to 200K prompt tokens', () => {
    const usage = geminiUsage({ promptTokenCount: 100_000, candidatesTokenCount: 1000, thoughtsTokenCount: 3000 })
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-pro', usage, at })
    // 100000 × $1.25/M + 4000 × $10/M = 0.125 + 0.04 = $0.165
    expect(result.costUsd).toBe('0.165')
  })

  it('prices the whole Gemini 2.5 Pro request at the >200K tier, cached input and output included', () => {
    const usage = geminiUsage({ promptTokenCount: 300_000, cachedContentTokenCount: 100_000, candidatesTokenCount: 2000, thoughtsTokenCount: 2000 })
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-pro', usage, at })
    // 200000 × $2.50/M + 100000 × $0.25/M + 4000 × $15/M = 0.5 + 0.025 + 0.06 = $0.585
    expect(result.costUsd).toBe('0.585')
    expect(result.breakdown.tier).toBe('long_context')
  })

  it('switches tier between a 200000- and a 200001-token prompt', () => {
    const at200k = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-pro', usage: geminiUsage({ promptTokenCount: 200_000 }), at })
    const above = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.5-pro', usage: geminiUsage({ promptTokenCount: 200_001 }), at })
    // 200000 × $1.25/M = $0.25; 200001 × $2.50/M = $0.5000025
    expect([at200k.costUsd, above.costUsd]).toEqual(['0.25', '0.5000025'])
  })

  it('resolves the REST name models/… and the provider name gemini', () => {
    const usage = geminiUsage({ promptTokenCount: 10_000, candidatesTokenCount: 1000 })
    const result = priceCall({ table, provider: 'gemini', model: 'models/gemini-2.5-flash-lite', usage, at })
    // 10000 × $0.10/M + 1000 × $0.40/M = 0.001 + 0.0004 = $0.0014
    expect(result.costUsd).toBe('0.0014')
    expect(result.priceVersion).toBe('gcp.gemini/gemini-2.5-flash-lite@2026-01-01')
  })

  it('prices a Gemini 2.0 Flash pinned version', () => {
    const usage = geminiUsage({ promptTokenCount: 50_000, cachedContentTokenCount: 40_000, candidatesTokenCount: 2000 })
    const result = priceCall({ table, provider: 'gcp.gemini', model: 'gemini-2.0-flash-001', usage, at })
    // 10000 × $0.10/M + 40000 × $0.025/M + 2000 × $0.40/M = 0.001 + 0.001 + 0.0008 = $0.0028
    expect(result.costUsd).toBe('0.0028')
  })
})
