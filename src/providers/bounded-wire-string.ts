/**
 * A string from the wire kept only when it is at most `maxLength` characters (and
 * not empty): an opaque value (a signature, an id, a tier name) is useless cut
 * short, so an oversized one is dropped whole rather than truncated.
 */
export function boundedWireString(value: string | null | undefined, maxLength: number): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > maxLength) return undefined
  return value
}
