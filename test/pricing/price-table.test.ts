import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalogEntries } from '../../src/pricing/catalog-entries.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { priceCall } from '../../src/pricing/price-call.js'
import type { PriceEntryInput } from '../../src/pricing/price-entry-schema.js'
import { isPriceTableError, PriceTableError } from '../../src/pricing/price-table-error.js'
import { normalizedUsage } from './normalized-usage.js'

const at = new Date('2026-02-01T00:00:00Z')
const oneMillionEach = normalizedUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })

function acme(effectiveFrom: string, input: string, output: string, extra: Partial<PriceEntryInput> = {}): PriceEntryInput {
  return { provider: 'acme', model: 'acme-1', effectiveFrom, source: 'https://acme.example/pricing', prices: { input, output }, ...extra }
}

function thrown(run: () => unknown): PriceTableError {
  try {
    run()
  } catch (error) {
    if (isPriceTableError(error)) return error
    throw error
  }
  throw new Error('expected a PriceTableError')
}

describe('the built-in catalog', () => {
  it('validates, and gives every entry a distinct version and an https source', () => {
    const table = createPriceTable()
    expect(table.entries).toHaveLength(catalogEntries.length)
    const versions = table.entries.map((entry) => entry.version)
    expect(new Set(versions).size).toBe(versions.length)
    for (const entry of table.entries) expect(entry.source).toMatch(/^https:\/\//)
  })
})

describe('model resolution', () => {
  const table = createPriceTable()
  const versionOf = (provider: string, model: string) => priceCall({ table, provider, model, usage: oneMillionEach, at }).priceVersion

  it('resolves dated snapshots to their model', () => {
    expect(versionOf('openai', 'gpt-4o-2024-08-06')).toBe('openai/gpt-4o@2024-10-02')
    expect(versionOf('anthropic', 'claude-sonnet-4-5-20250929')).toBe('anthropic/claude-sonnet-4-5@2025-09-29')
  })

  it('resolves a snapshot the catalog does not list by its date suffix', () => {
    expect(versionOf('openai', 'gpt-5-mini-2026-01-15')).toBe('openai/gpt-5-mini@2025-08-07')
    expect(versionOf('anthropic', 'claude-haiku-4-5@20251001')).toBe('anthropic/claude-haiku-4-5@2025-10-15')
  })

  it('resolves aliases, provider prefixes and letter case', () => {
    expect(versionOf('anthropic', 'claude-3-5-haiku-latest')).toBe('anthropic/claude-3-5-haiku@2025-05-22')
    expect(versionOf('gcp.gemini', 'models/gemini-2.5-pro')).toBe('gcp.gemini/gemini-2.5-pro@2026-01-01')
    expect(versionOf('openrouter', 'openai/gpt-4o')).toBe('openai/gpt-4o@2024-10-02')
    expect(versionOf('openrouter', 'google/gemini-2.5-flash')).toBe('gcp.gemini/gemini-2.5-flash@2026-01-01')
    expect(versionOf('OpenAI', 'GPT-4.1')).toBe('openai/gpt-4.1@2025-04-14')
  })

  it('answers a repeated lookup the same way, on either side of a price change and past its memo of ids', () => {
    const table = createPriceTable({ catalog: false, entries: [acme('2026-01-01', '1', '2'), acme('2026-07-01', '0.5', '1')] })
    const find = (model: string, iso: string) => table.find({ provider: 'acme', model, at: new Date(iso) })
    for (let round = 0; round < 2; round++) {
      // The id resolves once; the entry in force still depends on the call's time.
      expect(find('ACME-1-20260301', '2025-12-31T00:00:00Z')).toEqual({ found: false, reason: 'not_in_force' })
      expect(find('ACME-1-20260301', '2026-02-01T00:00:00Z')).toMatchObject({ found: true, entry: { version: 'acme/acme-1@2026-01-01' } })
      expect(find('ACME-1-20260301', '2026-08-01T00:00:00Z')).toMatchObject({ found: true, entry: { version: 'acme/acme-1@2026-07-01' } })
      expect(find('acme-2', '2026-08-01T00:00:00Z')).toEqual({ found: false, reason: 'unknown_model' })
    }
    // More distinct ids than the memo keeps: answers stay right after it starts over.
    for (let index = 0; index < 5_000; index++) expect(find(`unknown-${index}`, '2026-08-01T00:00:00Z').found).toBe(false)
    expect(find('acme-1', '2026-08-01T00:00:00Z')).toMatchObject({ found: true, entry: { version: 'acme/acme-1@2026-07-01' } })
  })

  it('maps a configured provider name to a catalog provider', () => {
    const mapped = createPriceTable({ providerAliases: { 'my-gateway': 'openai' } })
    expect(priceCall({ table: mapped, provider: 'my-gateway', model: 'gpt-4o-mini', usage: oneMillionEach, at }).costUsd).toBe('0.75')
  })
})

describe('price changes', () => {
  it('prices a call on each side of a price change with the entry in force at its time', () => {
    const table = createPriceTable({ catalog: false, entries: [acme('2026-01-01', '1', '2'), acme('2026-07-01', '0.5', '1')] })
    const before = priceCall({ table, provider: 'acme', model: 'acme-1', usage: oneMillionEach, at: new Date('2026-06-30T23:59:59.999Z') })
    const after = priceCall({ table, provider: 'acme', model: 'acme-1', usage: oneMillionEach, at: new Date('2026-07-01T00:00:00Z') })
    // 1M × $1/M + 1M × $2/M = $3; then 1M × $0.50/M + 1M × $1/M = $1.5
    expect([before.costUsd, after.costUsd]).toEqual(['3', '1.5'])
    expect([before.priceVersion, after.priceVersion]).toEqual(['acme/acme-1@2026-01-01', 'acme/acme-1@2026-07-01'])
  })

  it('prices a call before the first entry as unknown, not at a later price', () => {
    const table = createPriceTable({ catalog: false, entries: [acme('2026-01-01', '1', '2')] })
    const result = priceCall({ table, provider: 'acme', model: 'acme-1', usage: oneMillionEach, at: new Date('2025-12-31T23:59:59Z') })
    expect(result).toMatchObject({ source: 'unknown', costUnits: 0n })
  })
})

describe('entries and overrides from config', () => {
  it('adds a price change from config after the catalog history', () => {
    const table = createPriceTable({
      entries: [{ provider: 'openai', model: 'gpt-4o-mini', effectiveFrom: '2026-03-01', source: 'https://example.com/notice', prices: { input: '0.1', output: '0.4' } }],
    })
    const usage = normalizedUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })
    // $0.15 + $0.60 before; $0.10 + $0.40 after
    expect(priceCall({ table, provider: 'openai', model: 'gpt-4o-mini', usage, at: new Date('2026-02-28T00:00:00Z') }).costUsd).toBe('0.75')
    expect(priceCall({ table, provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage, at: new Date('2026-03-02T00:00:00Z') }).costUsd).toBe('0.5')
  })

  it('replaces the whole history of an overridden model with a negotiated price', () => {
    const table = createPriceTable({
      overrides: [
        {
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          aliases: ['claude-haiku-4-5-20251001'],
          effectiveFrom: '2025-01-01',
          source: 'https://example.com/contract',
          prices: { input: '0.8', output: '4' },
        },
      ],
    })
    expect(table.entries.filter((entry) => entry.model === 'claude-haiku-4-5')).toHaveLength(1)
    // 1M × $0.80/M + 1M × $4/M = $4.8
    const result = priceCall({ table, provider: 'anthropic', model: 'claude-haiku-4-5-20251001', usage: oneMillionEach, at })
    expect(result).toMatchObject({ costUsd: '4.8', priceVersion: 'anthropic/claude-haiku-4-5@2025-01-01' })
  })

  it('reads entries and overrides from a JSON price file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-prices-'))
    const file = join(directory, 'prices.json')
    writeFileSync(
      file,
      JSON.stringify({
        entries: [acme('2026-01-01', '1', '2')],
        overrides: [{ ...acme('2024-01-01', '9', '9'), provider: 'openai', model: 'gpt-4.1' }],
      }),
    )
    const table = createPriceTable({ file })
    expect(priceCall({ table, provider: 'acme', model: 'acme-1', usage: oneMillionEach, at }).costUsd).toBe('3')
    expect(priceCall({ table, provider: 'openai', model: 'gpt-4.1', usage: oneMillionEach, at }).costUsd).toBe('18')
  })

  it('reads a bare array of entries from a price file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-prices-')), 'prices.json')
    writeFileSync(file, JSON.stringify([acme('2026-01-01', '0.25', '0.5')]))
    const table = createPriceTable({ catalog: false, file })
    expect(priceCall({ table, provider: 'acme', model: 'acme-1', usage: oneMillionEach, at }).costUsd).toBe('0.75')
  })
})

describe('bad entries', () => {
  it('names the entry and the field of a price with too many decimals', () => {
    const error = thrown(() => createPriceTable({ entries: [acme('2026-01-01', '1', '2'), { ...acme('2026-01-01', '0.1234567', '1'), model: 'acme-2' }] }))
    expect(error).toBeInstanceOf(PriceTableError)
    expect(error).toMatchObject({ origin: 'entries', index: 1, provider: 'acme', model: 'acme-2', path: 'prices.input' })
    expect(error.message).toContain('entries[1] (acme/acme-2) at prices.input')
  })

  it('rejects a float price with the advice to write a decimal string', () => {
    const entry = { ...acme('2026-01-01', '1', '2'), prices: { input: 0.5, output: '1' } } as unknown as PriceEntryInput
    const error = thrown(() => createPriceTable({ catalog: false, overrides: [entry] }))
    expect(error).toMatchObject({ origin: 'overrides', index: 0, path: 'prices.input' })
  })

  it('rejects an unknown field rather than ignoring a typo', () => {
    const entry = { ...acme('2026-01-01', '1', '2'), prices: { input: '1', output: '2', cached_input: '0.1' } } as unknown as PriceEntryInput
    const error = thrown(() => createPriceTable({ catalog: false, entries: [entry] }))
    expect(error).toMatchObject({ index: 0, path: 'prices' })
    expect(error.message).toContain('cached_input')
  })

  it('rejects a date that is not a date', () => {
    const error = thrown(() => createPriceTable({ catalog: false, entries: [acme('2026-02-30', '1', '2')] }))
    expect(error).toMatchObject({ path: 'effectiveFrom', model: 'acme-1' })
  })

  it('rejects two entries of one model on one date in one list', () => {
    const error = thrown(() => createPriceTable({ catalog: false, entries: [acme('2026-01-01', '1', '2'), acme('2026-01-01', '2', '3')] }))
    expect(error).toMatchObject({ index: 1, path: 'effectiveFrom' })
  })

  it('rejects an alias that already names another model', () => {
    const other = { ...acme('2026-01-01', '1', '2'), model: 'acme-2', aliases: ['acme-1'] }
    const error = thrown(() => createPriceTable({ catalog: false, entries: [acme('2026-01-01', '1', '2'), other] }))
    expect(error).toMatchObject({ model: 'acme-2', path: 'aliases' })
  })

  it('names a price file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-prices-')), 'prices.json')
    writeFileSync(file, '{ not json')
    const error = thrown(() => createPriceTable({ file }))
    expect(error.origin).toBe(`file ${file}`)
  })

  it('names the index of a bad entry inside a price file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-prices-')), 'prices.json')
    writeFileSync(file, JSON.stringify({ entries: [acme('2026-01-01', '1', '2'), { ...acme('2026-01-01', '1', '2'), model: 'acme-3', source: 'not a url' }] }))
    const error = thrown(() => createPriceTable({ file }))
    expect(error).toMatchObject({ origin: `file ${file}`, index: 1, model: 'acme-3', path: 'source' })
  })
})
