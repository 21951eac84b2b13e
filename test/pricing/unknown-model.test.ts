import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors/config-error.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { formatUsd } from '../../src/pricing/format-usd.js'
import { priceCall } from '../../src/pricing/price-call.js'
import type { PriceEntryInput } from '../../src/pricing/price-entry-schema.js'
import { isPriceNotFoundError } from '../../src/pricing/price-not-found-error.js'
import type { UnknownModelPolicy } from '../../src/pricing/unknown-model-policy.js'
import { UnknownModelWarnings } from '../../src/pricing/unknown-model-warnings.js'
import { worstCaseCost } from '../../src/pricing/worst-case-cost.js'
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

const source = 'https://acme.example/pricing'
/** Two acme models: the dearest input is the first's, the dearest output the second's (and its long-context tier's). */
const acmeEntries: PriceEntryInput[] = [
  { provider: 'acme', model: 'acme-wide', effectiveFrom: '2026-01-01', source, prices: { input: '4', output: '8' } },
  {
    provider: 'acme',
    model: 'acme-deep',
    effectiveFrom: '2026-01-01',
    source,
    prices: { input: '1', output: '20' },
    longContext: { thresholdInputTokens: 100_000, prices: { input: '2', output: '30' } },
  },
  // Not in force at `at`: its higher prices must not count.
  { provider: 'acme', model: 'acme-next', effectiveFrom: '2026-06-01', source, prices: { input: '100', output: '100' } },
]

function acmeTable(unknownModel?: UnknownModelPolicy) {
  return createPriceTable({ catalog: false, entries: acmeEntries, ...(unknownModel === undefined ? {} : { unknownModel }) })
}

describe('a model without a price', () => {
  it('counts at the dearest known prices of its provider by default, input and output each at their maximum', () => {
    const result = priceCall({ table: acmeTable(), provider: 'acme', model: 'acme-secret', usage, at })
    // 1000 × $4/M (acme-wide's input) + 100 × $30/M (acme-deep's long-context output) = 0.004 + 0.003
    expect(result).toMatchObject({ costUsd: '0.007', source: 'estimate', priceVersion: 'unknown_model:most_expensive:acme' })
    expect(result.breakdown.flags).toContain('unknown_model')
    expect(result.breakdown.output.usdPerMillion).toBe('30')
  })

  it('says on the warning what it was counted as, once per provider and model', () => {
    const table = acmeTable()
    for (let call = 0; call < 5; call += 1) priceCall({ table, provider: 'acme', model: 'acme-secret', usage, at })
    priceCall({ table, provider: 'acme', model: 'ACME-SECRET', usage, at })
    priceCall({ table, provider: 'acme', model: 'acme-other', usage, at })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('acme-secret')
    expect(warnings[0]).toContain('at the dearest acme prices')
    expect(warnings[0]).toContain('switchyard.cost.source=estimate')
  })

  it('counts a provider the table has no price for at the dearest price of any provider, never at 0', () => {
    const result = priceCall({ table: acmeTable(), provider: 'nobody', model: 'nobody-1', usage, at })
    // The table's only provider is acme: its dearest input and output, as for an unpriced acme model.
    expect(result).toMatchObject({ costUsd: '0.007', source: 'estimate', priceVersion: 'unknown_model:most_expensive:any' })
    expect(warnings[0]).toContain('at the dearest prices of any provider (the table has none for nobody)')
  })

  it('costs 0 with source unknown only when the table has no price at all', () => {
    const empty = createPriceTable({ catalog: false, entries: [] })
    const result = priceCall({ table: empty, provider: 'nobody', model: 'nobody-1', usage, at })
    expect(result).toMatchObject({ costUnits: 0n, costUsd: '0', source: 'unknown' })
    expect(result.priceVersion).toBeUndefined()
    expect(result.breakdown.uncachedInput).toEqual({ tokens: 1000, units: 0n })
    expect(warnings[0]).toContain('switchyard.cost.source=unknown')
  })

  it('counts a model not in force yet under the policy too, and says why it had no price', () => {
    const table = createPriceTable()
    const result = priceCall({ table, provider: 'openai', model: 'gpt-5', usage, at: new Date('2025-08-06T00:00:00Z') })
    expect(result.source).toBe('estimate')
    expect(result.costUnits > 0n).toBe(true)
    expect(warnings[0]).toContain('no entry of it is in force at 2025-08-06T00:00:00.000Z')
  })

  it('prices as another model with priceAs, its long-context tier included', () => {
    const table = acmeTable({ priceAs: 'acme/acme-deep' })
    const short = priceCall({ table, provider: 'acme', model: 'acme-secret', usage, at })
    // 1000 × $1/M + 100 × $20/M
    expect(short).toMatchObject({ costUsd: '0.003', source: 'estimate', priceVersion: 'unknown_model:price_as:acme/acme-deep@2026-01-01' })
    const long = priceCall({ table, provider: 'acme', model: 'acme-secret', usage: normalizedUsage({ inputTokens: 200_000, outputTokens: 100 }), at })
    // 200000 × $2/M + 100 × $30/M
    expect(long.costUsd).toBe('0.403')
  })

  it('prices as a model of another provider with priceAs', () => {
    const table = createPriceTable({ unknownModel: { priceAs: 'openai/gpt-4.1-mini' } })
    const result = priceCall({ table, provider: 'my-vllm', model: 'qwen-local', usage, at })
    // 1000 × $0.40/M + 100 × $1.60/M
    expect(result).toMatchObject({ costUsd: '0.00056', source: 'estimate', priceVersion: 'unknown_model:price_as:openai/gpt-4.1-mini@2025-04-14' })
  })

  it('prices at explicit per-million fallback prices', () => {
    const table = acmeTable({ inputPerMillion: '0.5', outputPerMillion: '2.25' })
    const result = priceCall({ table, provider: 'nobody', model: 'nobody-1', usage: normalizedUsage({ inputTokens: 1000, cacheReadInputTokens: 400, outputTokens: 100 }), at })
    // Cache reads have no price of their own: 1000 × $0.50/M + 100 × $2.25/M
    expect(result).toMatchObject({ costUsd: '0.000725', source: 'estimate', priceVersion: 'unknown_model:fallback' })
  })

  it('counts a blocked model that was called anyway (seen at ingest) at the dearest prices', () => {
    const result = priceCall({ table: acmeTable('block'), provider: 'acme', model: 'acme-secret', usage, at })
    expect(result).toMatchObject({ costUsd: '0.007', source: 'estimate' })
  })

  it('still takes a billed cost the provider reported', () => {
    const table = createPriceTable()
    const result = priceCall({ table, provider: 'openrouter', model: 'acme/unlisted-model', usage: { ...usage, providerCostUsd: '0.000042' }, at })
    expect(result).toMatchObject({ costUsd: '0.000042', source: 'provider' })
    expect(warnings).toEqual([])
  })

  it('is an estimate when the usage is only an estimate, and unknown without a price to count', () => {
    expect(priceCall({ table: acmeTable(), provider: 'acme', model: 'acme-1', usage, at, estimated: true }).source).toBe('estimate')
    expect(priceCall({ table: createPriceTable({ catalog: false, entries: [] }), provider: 'nobody', model: 'nobody-1', usage, at, estimated: true }).source).toBe('unknown')
  })
})

describe('reserving for a model without a price', () => {
  it('reserves at the policy prices, never nothing', () => {
    const units = worstCaseCost({ table: acmeTable(), provider: 'acme', model: 'acme-secret', inputTokens: 1000, maxOutputTokens: 1000, at })
    // 1000 × $4/M + 1000 × $30/M
    expect(formatUsd(units)).toBe('0.034')
    const priceAs = worstCaseCost({ table: acmeTable({ priceAs: 'acme/acme-wide' }), provider: 'acme', model: 'acme-secret', inputTokens: 1000, maxOutputTokens: 1000, at })
    expect(formatUsd(priceAs)).toBe('0.012')
  })

  it('reserves for a provider without prices at the dearest of any provider, and refuses only when the table has no price', () => {
    expect(worstCaseCost({ table: acmeTable(), provider: 'nobody', model: 'nobody-1', inputTokens: 1, maxOutputTokens: 1, at })).toBeGreaterThan(0n)
    let caught: unknown
    try {
      worstCaseCost({ table: createPriceTable({ catalog: false, entries: [] }), provider: 'nobody', model: 'nobody-1', inputTokens: 1, maxOutputTokens: 1, at })
    } catch (error) {
      caught = error
    }
    expect(isPriceNotFoundError(caught)).toBe(true)
  })
})

describe('a bad unknown-model policy', () => {
  function issuesOf(build: () => unknown): unknown {
    try {
      build()
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true)
      return (error as ConfigError).issues
    }
    throw new Error('expected a ConfigError')
  }

  it('names a priceAs model the table does not price by its path', () => {
    const issues = issuesOf(() => createPriceTable({ unknownModel: { priceAs: 'openai/gpt-42' }, unknownModelPath: 'prices.unknownModel' }))
    expect(issues).toEqual([{ path: 'prices.unknownModel.priceAs', message: expect.stringContaining('"openai/gpt-42" is not a model the price table prices') }])
  })

  it('names a malformed policy from a price file by the file and its path', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'unknown-model-'))
    try {
      const file = path.join(directory, 'prices.json')
      writeFileSync(file, JSON.stringify({ entries: [], unknownModel: 'sometimes' }))
      const issues = issuesOf(() => createPriceTable({ file }))
      expect(issues).toEqual([expect.objectContaining({ path: `${file}: unknownModel` })])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it('names a bad fallback price by its field', () => {
    const issues = issuesOf(() => createPriceTable({ unknownModel: { inputPerMillion: 'cheap', outputPerMillion: '1' } as never }))
    expect(issues).toEqual([expect.objectContaining({ path: expect.stringMatching(/^unknownModel/) })])
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
