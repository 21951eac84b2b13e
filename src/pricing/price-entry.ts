import type { PriceEntryDefinition } from './price-entry-schema.js'
import { priceSchedule, type PriceSchedule } from './price-schedule.js'

/** A validated price entry, ready to price calls with. */
export interface PriceEntry {
  provider: string
  model: string
  aliases: readonly string[]
  /** Recorded on the span as `switchyard.price.version`. */
  version: string
  effectiveFrom: Date
  source: string
  reasoningBilledAs: 'output'
  prices: PriceSchedule
  longContext?: { thresholdInputTokens: number; prices: PriceSchedule }
  note?: string
  /** The entry as written, for export. */
  definition: PriceEntryDefinition
}

export function toPriceEntry(definition: PriceEntryDefinition): PriceEntry {
  const entry: PriceEntry = {
    provider: definition.provider,
    model: definition.model,
    aliases: definition.aliases,
    version: definition.version ?? `${definition.provider}/${definition.model}@${definition.effectiveFrom}`,
    effectiveFrom: new Date(definition.effectiveFrom),
    source: definition.source,
    reasoningBilledAs: definition.reasoningBilledAs,
    prices: priceSchedule(definition.prices),
    definition,
  }
  if (definition.longContext !== undefined) {
    entry.longContext = {
      thresholdInputTokens: definition.longContext.thresholdInputTokens,
      prices: priceSchedule(definition.longContext.prices),
    }
  }
  if (definition.note !== undefined) entry.note = definition.note
  return entry
}
