import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { catalogEntries } from './catalog-entries.js'
import { parsePriceEntries, type SourcedPriceEntry } from './parse-price-entries.js'
import type { PriceEntryInput } from './price-entry-schema.js'
import { PriceIndex } from './price-index.js'
import type { PriceTable } from './price-table.js'
import { PriceTableError, type PriceEntryOrigin } from './price-table-error.js'
import { builtInProviderAliases, providerKey } from './provider-key.js'
import { unknownModelPolicySchema, type UnknownModelPolicy } from './unknown-model-policy.js'
import { ConfigError } from '../errors/config-error.js'

export interface CreatePriceTableOptions {
  /**
   * Entries added to the price history: new models, or a price change as an
   * entry with a later effectiveFrom. An entry with the same provider, model
   * and effectiveFrom as a catalog entry replaces it.
   */
  entries?: readonly PriceEntryInput[]
  /**
   * Entries that replace the whole history of their provider/model (a
   * negotiated price, a proxy that bills differently): the catalog's entries
   * for that model are dropped.
   */
  overrides?: readonly PriceEntryInput[]
  /**
   * A JSON price file: `{ "entries": [...], "overrides": [...] }`, or a bare
   * array of entries. Read once, synchronously, when the table is created.
   */
  file?: string
  /** Include the built-in catalog (default true). */
  catalog?: boolean
  /** Configured provider names mapped to a catalog provider, such as `{ "my-gateway": "openai" }`. */
  providerAliases?: Readonly<Record<string, string>>
  /**
   * What a call to a model the table does not price counts as (see
   * unknownModelPolicySchema); wins over a price file's `unknownModel`.
   * Default `'mostExpensive'`: the provider's dearest known prices.
   */
  unknownModel?: UnknownModelPolicy
  /** Where `unknownModel` was configured, so that an error names it (default `unknownModel`). */
  unknownModelPath?: string
}

interface Layer {
  entries: readonly unknown[]
  overrides: readonly unknown[]
  origin: PriceEntryOrigin
  overridesOrigin: PriceEntryOrigin
}

const priceFileSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ entries: z.array(z.unknown()).optional(), overrides: z.array(z.unknown()).optional(), unknownModel: z.unknown().optional() }),
])

/**
 * Builds the price table that prices calls: the built-in catalog, then the
 * entries and overrides of a price file, then those given in config. Every
 * entry is validated with zod; a bad one throws a PriceTableError naming the
 * entry (origin, index, provider/model) and the path of the bad field.
 */
export function createPriceTable(options: CreatePriceTableOptions = {}): PriceTable {
  const providerAliases = normalizeAliases({ ...builtInProviderAliases, ...options.providerAliases })
  let merged: SourcedPriceEntry[] = options.catalog === false ? [] : parsePriceEntries(catalogEntries, 'catalog')
  const layers: Layer[] = []
  let unknownModel: unknown = options.unknownModel
  let unknownModelPath = options.unknownModelPath ?? 'unknownModel'
  if (options.file !== undefined) {
    const file = readPriceFile(options.file)
    layers.push({ entries: file.entries, overrides: file.overrides, origin: `file ${options.file}`, overridesOrigin: `file ${options.file}` })
    if (unknownModel === undefined && file.unknownModel !== undefined) {
      unknownModel = file.unknownModel
      unknownModelPath = `${options.file}: unknownModel`
    }
  }
  layers.push({ entries: options.entries ?? [], overrides: options.overrides ?? [], origin: 'entries', overridesOrigin: 'overrides' })
  for (const layer of layers) {
    merged = addEntries(merged, parsePriceEntries(layer.entries, layer.origin), providerAliases)
    merged = overrideModels(merged, parsePriceEntries(layer.overrides, layer.overridesOrigin), providerAliases)
  }
  return new PriceIndex(merged, { providerAliases, unknownModel: parseUnknownModel(unknownModel, unknownModelPath), unknownModelPath })
}

/** Validates an unknown-model policy given in code or read from a file; a bad one is a ConfigError naming its path. */
function parseUnknownModel(value: unknown, path: string): UnknownModelPolicy | undefined {
  if (value === undefined) return undefined
  const parsed = unknownModelPolicySchema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.length === 0 ? path : `${path}.${issue.path.map(String).join('.')}`, message: issue.message }))
  const expected = `"mostExpensive", "block", { "priceAs": "<provider>/<model>" } or { "inputPerMillion": "...", "outputPerMillion": "..." }`
  throw new ConfigError({ message: `Invalid unknown-model policy at ${path}: expected ${expected}`, issues })
}

function readPriceFile(path: string): { entries: readonly unknown[]; overrides: readonly unknown[]; unknownModel?: unknown } {
  const origin: PriceEntryOrigin = `file ${path}`
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new PriceTableError({ origin, problem: `cannot read the file (${messageOf(error)})`, cause: error })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new PriceTableError({ origin, problem: `not valid JSON (${messageOf(error)})`, cause: error })
  }
  const parsed = priceFileSchema.safeParse(json)
  if (!parsed.success) {
    throw new PriceTableError({
      origin,
      problem: 'expected an array of entries or an object with "entries" and/or "overrides" arrays',
      cause: parsed.error,
    })
  }
  if (Array.isArray(parsed.data)) return { entries: parsed.data, overrides: [] }
  return { entries: parsed.data.entries ?? [], overrides: parsed.data.overrides ?? [], unknownModel: parsed.data.unknownModel }
}

function modelKey(item: SourcedPriceEntry, aliases: Readonly<Record<string, string>>): string {
  return `${providerKey(item.entry.provider, aliases)}\u0000${item.entry.model.toLowerCase()}`
}

/** Adds entries to the history; an entry for the same model and effectiveFrom replaces the older one. */
function addEntries(
  current: SourcedPriceEntry[],
  added: SourcedPriceEntry[],
  aliases: Readonly<Record<string, string>>,
): SourcedPriceEntry[] {
  const replaced = new Set(added.map((item) => `${modelKey(item, aliases)}\u0000${item.entry.effectiveFrom.getTime()}`))
  const kept = current.filter((item) => !replaced.has(`${modelKey(item, aliases)}\u0000${item.entry.effectiveFrom.getTime()}`))
  return [...kept, ...added]
}

/** Replaces the whole history of every model the overrides name. */
function overrideModels(
  current: SourcedPriceEntry[],
  overrides: SourcedPriceEntry[],
  aliases: Readonly<Record<string, string>>,
): SourcedPriceEntry[] {
  if (overrides.length === 0) return current
  const overridden = new Set(overrides.map((item) => modelKey(item, aliases)))
  return [...current.filter((item) => !overridden.has(modelKey(item, aliases))), ...overrides]
}

function normalizeAliases(aliases: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(aliases).map(([name, target]) => [name.trim().toLowerCase(), target.trim().toLowerCase()]))
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
