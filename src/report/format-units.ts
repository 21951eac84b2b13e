import { parseUsd } from '../pricing/parse-usd.js'

/**
 * Units for a terminal at a glance: `$1.2345`, `1.2 s`, `45 ms`, `12.3k tok`,
 * `4.5%`. Money is rounded from its exact decimal with integer arithmetic; a
 * missing figure prints as `-`.
 */
const picoPerUsd = 10n ** 12n

/** `$1.2345` (4 places), `$123.46` from $100, and 2 significant digits below $0.0001 (`$0.000012`). */
export function formatUsdShort(amount: string | null): string {
  if (amount === null) return '-'
  const units = parseUsd(amount)?.units
  if (units === undefined) return amount
  let places = units >= 100n * picoPerUsd ? 2 : 4
  if (units > 0n && units < 10n ** 8n) {
    // Below $0.0001: keep two significant digits rather than print $0.0000.
    places = Math.min(12, 12 - units.toString().length + 2)
  }
  const factor = 10n ** BigInt(12 - places)
  const rounded = (units + factor / 2n) / factor
  const scale = 10n ** BigInt(places)
  const whole = (rounded / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = (rounded % scale).toString().padStart(places, '0')
  return `$${whole}.${fraction}`
}

/** `0.4 ms`, `45 ms`, `1.2 s`, `2.5 min`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-'
  if (ms === 0) return '0 ms'
  if (ms < 1) return `${ms.toFixed(1)} ms`
  if (ms < 999.5) return `${Math.round(ms)} ms`
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

/** `850 tok`, `12.3k tok`, `1.2M tok`, `3.4B tok`. */
export function formatTokens(tokens: number): string {
  if (tokens < 1_000) return `${tokens} tok`
  if (tokens < 999_950) return `${(tokens / 1_000).toFixed(1)}k tok`
  if (tokens < 999_950_000) return `${(tokens / 1_000_000).toFixed(1)}M tok`
  return `${(tokens / 1_000_000_000).toFixed(1)}B tok`
}

/** A fraction as a percentage with one decimal: 0.045 is `4.5%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`
}

/** `1,234,567`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}
