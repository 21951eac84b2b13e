import { formatUsd } from '../pricing/format-usd.js'
import { parseUsd } from '../pricing/parse-usd.js'

/**
 * An exact USD amount divided by a count, rounded half up to the pico-USD, as a
 * decimal string: `divideUsd("1", 3)` is `"0.333333333333"`. Integer arithmetic
 * only, so a cost per run never picks up float noise.
 */
export function divideUsd(amount: string, divisor: number): string {
  const parsed = parseUsd(amount)
  if (parsed === undefined) throw new Error(`not a USD decimal: ${JSON.stringify(amount)}`)
  if (!Number.isSafeInteger(divisor) || divisor <= 0) throw new Error(`divisor must be a positive integer (got ${divisor})`)
  const count = BigInt(divisor)
  return formatUsd((parsed.units * 2n + count) / (2n * count))
}
