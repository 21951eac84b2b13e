import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import { UnknownModelWarnings } from '../../src/pricing/unknown-model-warnings.js'
import { normalizedUsage } from './normalized-usage.js'

const usage = normalizedUsage({ inputTokens: 1000, outputTokens: 100 })
const at = new Date('2026-02-01T00:00:00Z')
let warnings: string[] = []

beforeEach(() => {
  warnings = []
  const ignore = (): void => {}
  const logger: DiagLogger = { error: ignore, warn: (message) => warnings.push(message), info: ignore, debug: ignore, verbose: ignore }
  diag.setLogger(logger, DiagLogLevel.WARN)
})

afterEach(() => {
  diag.disable()
})

describe('a model without a price', () => {
  it('costs 0 with source unknown, never a silent free catalog price', () => {
    const table = createPriceTable()
    const result = priceCall({ table, provider: 'openai', model: 'gpt-9-ultra', usage, at })
    expect(result).toMatchObject({ costUnits: 0n, costUsd: '0', source: 'unknown' })
    expect(result.priceVersion).toBeUndefined()
    expect(result.breakdown.tier).toBeUndefined()
    expect(result.breakdown.uncachedInput).toEqual({ tokens: 1000, units: 0n })
  })

  it('is warned about once per provider and model through the OpenTelemetry diagnostics logger', () => {
    const table = createPriceTable()
    for (let call = 0; call < 5; call += 1) priceCall({ table, provider: 'openai', model: 'gpt-9-ultra', usage, at })
    priceCall({ table, provider: 'acme', model: 'gpt-9-ultra', usage, at })
    priceCall({ table, provider: 'openai', model: 'GPT-9-ULTRA', usage, at })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('gpt-9-ultra')
    expect(warnings[0]).toContain('openai')
    expect(warnings[0]).toContain('switchyard.cost.source=unknown')
  })

  it('says when the model is known but no price is in force yet', () => {
    const table = createPriceTable()
    const result = priceCall({ table, provider: 'openai', model: 'gpt-5', usage, at: new Date('2025-08-06T00:00:00Z') })
    expect(result.source).toBe('unknown')
    expect(warnings[0]).toContain('no entry of it is in force at 2025-08-06T00:00:00.000Z')
  })

  it('still takes a billed cost the provider reported', () => {
    const table = createPriceTable()
    const result = priceCall({ table, provider: 'openrouter', model: 'acme/unlisted-model', usage: { ...usage, providerCostUsd: '0.000042' }, at })
    expect(result).toMatchObject({ costUsd: '0.000042', source: 'provider' })
    expect(warnings).toEqual([])
  })

  it('stays unknown when the usage is only an estimate', () => {
    const table = createPriceTable()
    expect(priceCall({ table, provider: 'acme', model: 'acme-1', usage, at, estimated: true }).source).toBe('unknown')
  })
})

describe('UnknownModelWarnings', () => {
  it('remembers a bounded number of models and counts what it no longer logs', () => {
    const bounded = new UnknownModelWarnings(2)
    const logged = ['a', 'b', 'c', 'd', 'a'].map((model) => bounded.warnOnce({ provider: 'acme', model, at, reason: 'unknown_model' }))
    expect(logged).toEqual([true, true, false, false, false])
    expect(bounded.suppressed).toBe(2)
    expect(warnings).toHaveLength(2)
  })
})
