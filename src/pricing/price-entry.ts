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
  /** Service tiers with their own prices, by lower-case tier name. */
  serviceTiers?: ReadonlyMap<string, ServiceTierSchedule>
  note?: string
  /** The entry as written, for export. */
  definition: PriceEntryDefinition
}

/** A service tier's prices, and its long-context prices when the entry has a long-context tier. */
export interface ServiceTierSchedule {
  prices: PriceSchedule
  longContext?: PriceSchedule
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
  if (definition.serviceTiers !== undefined) {
    entry.serviceTiers = new Map(
      Object.entries(definition.serviceTiers).map(([name, { longContext, ...prices }]) => {
        const tier: ServiceTierSchedule = { prices: priceSchedule(prices) }
        if (longContext !== undefined) tier.longContext = priceSchedule(longContext)
        return [name.toLowerCase(), tier]
      }),
    )
  }
  if (definition.note !== undefined) entry.note = definition.note
  return entry
}
