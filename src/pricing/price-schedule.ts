import { parseDecimal } from './parse-decimal.js'
import type { TokenPricesDefinition } from './price-entry-schema.js'

/** One tier's prices with the fallbacks applied: USD per million as written, and pico-USD per token. */
export interface PriceSchedule {
  usdPerMillion: Readonly<Record<PriceKind, string>>
  unitsPerToken: Readonly<Record<PriceKind, bigint>>
}

export type PriceKind = 'input' | 'cachedInput' | 'cacheWrite5m' | 'cacheWrite1h' | 'output'

export const priceKinds: readonly PriceKind[] = ['input', 'cachedInput', 'cacheWrite5m', 'cacheWrite1h', 'output']

/**
 * Resolves a tier's written prices into the five prices every call is billed
 * with. Absent prices fall back to what the provider bills for those tokens
 * when it publishes no separate price: cache reads and 5-minute writes at the
 * input price, 1-hour writes at the 5-minute price.
 */
export function priceSchedule(prices: TokenPricesDefinition): PriceSchedule {
  const cacheWrite5m = prices.cacheWrite5m ?? prices.input
  const usdPerMillion: Record<PriceKind, string> = {
    input: prices.input,
    cachedInput: prices.cachedInput ?? prices.input,
    cacheWrite5m,
    cacheWrite1h: prices.cacheWrite1h ?? cacheWrite5m,
    output: prices.output,
  }
  const unitsPerToken = Object.fromEntries(
    priceKinds.map((kind) => [kind, unitsPerTokenOf(usdPerMillion[kind])]),
  ) as Record<PriceKind, bigint>
  return { usdPerMillion, unitsPerToken }
}

/** USD per million tokens with ≤ 6 decimals is exactly this many pico-USD per token. */
function unitsPerTokenOf(usdPerMillion: string): bigint {
  const units = parseDecimal(usdPerMillion, 6)
  // The schema admits only such strings; reaching this is a bug, not bad data.
  if (units === undefined) throw new RangeError(`not a price with at most 6 decimal places: ${usdPerMillion}`)
  return units
}
