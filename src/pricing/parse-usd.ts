import { unitsPerUsd, usdDecimalPlaces } from './format-usd.js'
import { decimalPattern } from './parse-decimal.js'

export interface ParsedUsd {
  units: bigint
  /** True when the text had more than 12 decimal places and was rounded half up to the pico-USD. */
  rounded: boolean
}

/**
 * Parses a USD amount written as a decimal string (a billed figure such as
 * OpenRouter's `usage.cost`) into pico-USD. Digits past the 12th decimal place
 * are rounded half up and reported, never silently dropped. Undefined when the
 * text is not a non-negative plain decimal.
 */
export function parseUsd(text: string): ParsedUsd | undefined {
  const trimmed = text.trim()
  if (!decimalPattern.test(trimmed)) return undefined
  const [whole = '0', fraction = ''] = trimmed.split('.')
  const kept = fraction.slice(0, usdDecimalPlaces).padEnd(usdDecimalPlaces, '0')
  const dropped = fraction.slice(usdDecimalPlaces)
  let units = BigInt(whole) * unitsPerUsd + BigInt(kept)
  if (dropped !== '' && dropped.charCodeAt(0) >= '5'.charCodeAt(0)) units += 1n
  return { units, rounded: /[1-9]/.test(dropped) }
}
