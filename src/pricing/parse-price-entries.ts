import { toPriceEntry, type PriceEntry } from './price-entry.js'
import { priceEntrySchema } from './price-entry-schema.js'
import { PriceTableError, type PriceEntryOrigin } from './price-table-error.js'

/** A validated entry with where it came from, so later conflicts can still name it. */
export interface SourcedPriceEntry {
  entry: PriceEntry
  origin: PriceEntryOrigin
  index: number
}

/**
 * Validates a list of price entries (from the catalog, config or a file).
 * The first bad entry throws a PriceTableError that names its origin, index,
 * provider/model and the path of the bad field. Two entries for the same
 * model and date in one list are a conflict, not a silent overwrite.
 */
export function parsePriceEntries(list: readonly unknown[], origin: PriceEntryOrigin): SourcedPriceEntry[] {
  const parsed: SourcedPriceEntry[] = []
  const seen = new Map<string, number>()
  list.forEach((raw, index) => {
    const result = priceEntrySchema.safeParse(raw)
    const named = namesOf(raw)
    if (!result.success) {
      const issue = result.error.issues[0]
      throw new PriceTableError({
        origin,
        index,
        ...named,
        path: issue === undefined ? undefined : formatPath(issue.path),
        problem: issue?.message ?? 'invalid entry',
        cause: result.error,
      })
    }
    const entry = toPriceEntry(result.data)
    const key = `${entry.provider.toLowerCase()}\u0000${entry.model.toLowerCase()}\u0000${entry.effectiveFrom.getTime()}`
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      throw new PriceTableError({
        origin,
        index,
        ...named,
        path: 'effectiveFrom',
        problem: `the same model and effectiveFrom as entry ${earlier}; a price change needs a later effectiveFrom`,
      })
    }
    seen.set(key, index)
    parsed.push({ entry, origin, index })
  })
  return parsed
}

function namesOf(raw: unknown): { provider?: string; model?: string } {
  if (typeof raw !== 'object' || raw === null) return {}
  const { provider, model } = raw as { provider?: unknown; model?: unknown }
  return {
    ...(typeof provider === 'string' ? { provider } : {}),
    ...(typeof model === 'string' ? { model } : {}),
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, position) => {
      if (typeof segment === 'number') return `[${segment}]`
      const name = String(segment)
      return position === 0 ? name : `.${name}`
    })
    .join('')
}
