import type { PriceEntry } from './price-entry.js'
import type { PriceSchedule } from './price-schedule.js'

export type PriceTier = 'base' | 'long_context'

/** Tier names that mean the standard prices: OpenAI's `default` and `auto`, Anthropic's `standard`. */
const standardServiceTiers = new Set(['default', 'auto', 'standard'])

export interface ScheduleForPrompt {
  tier: PriceTier
  schedule: PriceSchedule
  /** The service tier whose own prices were used; absent for the standard prices. */
  serviceTier?: string
  /** The call named a service tier the entry has no prices for: it was billed at the standard prices. */
  serviceTierUnpriced?: true
}

/**
 * The prices a request is billed at: those of the service tier the provider
 * says served it, when the entry lists that tier, else the standard ones; and
 * of the long-context tier when the prompt (all input tokens, cached ones
 * included) exceeds the entry's threshold, and then for every token of the
 * request, output included.
 */
export function scheduleForPrompt(entry: PriceEntry, inputTokens: number, serviceTier?: string): ScheduleForPrompt {
  const longContext = entry.longContext
  const isLong = longContext !== undefined && inputTokens > longContext.thresholdInputTokens
  const tierName = serviceTier === undefined || serviceTier === '' ? undefined : serviceTier.toLowerCase()
  if (tierName === undefined || standardServiceTiers.has(tierName)) {
    return isLong ? { tier: 'long_context', schedule: longContext.prices } : { tier: 'base', schedule: entry.prices }
  }
  const tier = entry.serviceTiers?.get(tierName)
  if (tier === undefined) {
    const schedule = isLong ? longContext.prices : entry.prices
    return { tier: isLong ? 'long_context' : 'base', schedule, serviceTierUnpriced: true }
  }
  if (isLong) return { tier: 'long_context', schedule: tier.longContext ?? tier.prices, serviceTier: tierName }
  return { tier: 'base', schedule: tier.prices, serviceTier: tierName }
}
