/**
 * Money in switchyard is an integer count of pico-USD (1e-12 USD). Prices are
 * published per million tokens with at most 6 decimal places, so a price per
 * token is a whole number of pico-USD (USD 1 / Mtok = 1,000,000 pico-USD per
 * token) and every price times every token count is exact. A bigint of these
 * units holds any realistic sum; ClickHouse holds it in Decimal(38, 12).
 */
export const unitsPerUsd = 10n ** 12n

/** The number of decimal places of a USD amount that the units represent exactly. */
export const usdDecimalPlaces = 12

/**
 * Formats pico-USD as an exact decimal string of USD: no exponent, no float,
 * trailing zeros trimmed, "0" for zero (`123456789n` → `"0.000123456789"`).
 */
export function formatUsd(units: bigint): string {
  const sign = units < 0n ? '-' : ''
  const magnitude = units < 0n ? -units : units
  const whole = magnitude / unitsPerUsd
  const fraction = (magnitude % unitsPerUsd).toString().padStart(usdDecimalPlaces, '0').replace(/0+$/, '')
  if (whole === 0n && fraction === '') return '0'
  return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`
}
