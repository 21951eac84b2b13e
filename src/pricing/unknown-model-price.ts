import type { PriceEntry } from './price-entry.js'
import { priceKinds, type PriceKind, type PriceSchedule } from './price-schedule.js'

/** The prices an unpriced call counts at under the table's unknown-model policy. */
export interface UnknownModelPrice {
  /** `switchyard.price.version` of such a cost: `unknown_model:<how>`. */
  version: string
  /** What the call was counted as, in words, for the warning. */
  description: string
  schedule: PriceSchedule
  /** The entry whose prices apply (`priceAs`), so its long-context and service tiers apply too. */
  entry?: PriceEntry
}

/**
 * The dearest of several schedules, price kind by price kind (input, cache
 * reads, cache writes and output each at their own maximum): what an unpriced
 * call of a provider counts at by default, so it can only be over-counted.
 */
export function dearestSchedule(schedules: readonly PriceSchedule[]): PriceSchedule | undefined {
  const first = schedules[0]
  if (first === undefined) return undefined
  const usdPerMillion = { ...first.usdPerMillion } as Record<PriceKind, string>
  const unitsPerToken = { ...first.unitsPerToken } as Record<PriceKind, bigint>
  for (const schedule of schedules) {
    for (const kind of priceKinds) {
      if (schedule.unitsPerToken[kind] <= unitsPerToken[kind]) continue
      unitsPerToken[kind] = schedule.unitsPerToken[kind]
      usdPerMillion[kind] = schedule.usdPerMillion[kind]
    }
  }
  return { usdPerMillion, unitsPerToken }
}

/** Every schedule an entry may bill at in the standard tier: its own and its long-context prices. */
export function standardSchedulesOf(entry: PriceEntry): PriceSchedule[] {
  return entry.longContext === undefined ? [entry.prices] : [entry.prices, entry.longContext.prices]
}
