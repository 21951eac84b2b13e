/*
 * Text forms that the OpenTelemetry Collector's pdata `Value.AsString()` produces, which is
 * what the contrib clickhouse exporter stores in every attribute Map. Arrays and maps become
 * JSON written by Go's encoding/json: map keys sorted bytewise, floats in ES6 style, and
 * (since pdata stopped HTML-escaping in 2026) `<`, `>` and `&` left as they are, while
 * U+2028 and U+2029 are still escaped.
 */

const lineSeparators = /[\u2028\u2029]/g

/**
 * A double as pdata writes it: ES6 number formatting (what `String(number)` does), `-0`
 * kept, and for NaN and infinities the text of the error that Go's JSON encoder returns,
 * because that is literally what pdata's `float64AsString` yields.
 */
export function formatDouble(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  if (Number.isFinite(value)) return String(value)
  if (Number.isNaN(value)) return 'json: unsupported value: NaN'
  return value > 0 ? 'json: unsupported value: +Inf' : 'json: unsupported value: -Inf'
}

/** A double inside a JSON array or map, or undefined when Go's encoder would refuse it. */
export function doubleJson(value: number): string | undefined {
  return Number.isFinite(value) ? formatDouble(value) : undefined
}

/** A string as Go's encoding/json quotes it (with HTML escaping off). */
export function quoteJsonString(text: string): string {
  const quoted = JSON.stringify(text)
  // JSON.stringify leaves the two line separators raw; Go always escapes them.
  return quoted.includes('\u2028') || quoted.includes('\u2029')
    ? quoted.replace(lineSeparators, (separator) => (separator === '\u2028' ? '\\u2028' : '\\u2029'))
    : quoted
}

/**
 * A JSON object from keys and already-encoded values: a repeated key keeps its last value
 * (as building a Go map does) and keys are sorted by their UTF-8 bytes (as encoding/json does).
 */
export function jsonObjectText(keys: readonly string[], values: readonly string[]): string {
  const latest = new Map<string, string>()
  for (let index = 0; index < keys.length; index++) latest.set(keys[index]!, values[index]!)
  const sortedKeys = [...latest.keys()].sort(compareUtf8)
  let text = '{'
  for (let index = 0; index < sortedKeys.length; index++) {
    const key = sortedKeys[index]!
    if (index > 0) text += ','
    text += quoteJsonString(key) + ':' + latest.get(key)!
  }
  return text + '}'
}

/** Orders strings by their UTF-8 encoding, which differs from UTF-16 order above U+E000. */
export function compareUtf8(left: string, right: string): number {
  const length = Math.min(left.length, right.length)
  for (let index = 0; index < length; index++) {
    const leftUnit = left.charCodeAt(index)
    const rightUnit = right.charCodeAt(index)
    if (leftUnit !== rightUnit) return utf8Rank(leftUnit) - utf8Rank(rightUnit)
  }
  return left.length - right.length
}

// Surrogates encode code points above U+FFFF, whose UTF-8 sorts after every BMP character.
function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800
}
