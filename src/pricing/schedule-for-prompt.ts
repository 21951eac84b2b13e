import type { PriceEntry } from './price-entry.js'
import type { PriceSchedule } from './price-schedule.js'

export type PriceTier = 'base' | 'long_context'

/**
 * The tier a request is billed at: the long-context tier when its prompt
 * (all input tokens, cached ones included) exceeds the entry's threshold,
 * and then for every token of the request, output included.
 */
export function scheduleForPrompt(entry: PriceEntry, inputTokens: number): { tier: PriceTier; schedule: PriceSchedule } {
  const longContext = entry.longContext
  if (longContext !== undefined && inputTokens > longContext.thresholdInputTokens) {
    return { tier: 'long_context', schedule: longContext.prices }
  }
  return { tier: 'base', schedule: entry.prices }
}
