/** A non-negative decimal string as written in price data: digits, optionally a point and more digits. */
export const decimalPattern = /^\d+(\.\d+)?$/

/**
 * Parses a non-negative decimal string into an integer scaled by 10^scale,
 * exactly, without any float: `parseDecimal("0.075", 6)` is `75000n`.
 * Returns undefined when the text is not a plain decimal or has more than
 * `scale` decimal places, so that callers can say which field is wrong.
 */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  if (!decimalPattern.test(text)) return undefined
  const [whole = '0', fraction = ''] = text.split('.')
  if (fraction.length > scale) return undefined
  return BigInt(whole + fraction.padEnd(scale, '0'))
}
