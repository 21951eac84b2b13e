/**
 * A finite number as a plain decimal string, never in exponent notation
 * (`1e-7` becomes `0.0000001`), for billed figures that providers send as JSON
 * numbers. The digits are the shortest that round-trip, so no float noise is added.
 */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`)
  const text = String(value)
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (match === null) return text
  const [, sign = '', lead = '', fraction = '', exponentText = '0'] = match
  const exponent = Number(exponentText)
  const digits = lead + fraction
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
  const integerLength = 1 + exponent
  if (digits.length <= integerLength) return sign + digits + '0'.repeat(integerLength - digits.length)
  return `${sign}${digits.slice(0, integerLength)}.${digits.slice(integerLength)}`
}
