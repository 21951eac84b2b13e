/**
 * Bounds applied while decoding one OTLP trace export request. Every string and list a
 * request carries is bounded here, and each bound is applied before the work it saves:
 * a string is cut before it is decoded, an attribute past the count is skipped unread.
 */
export interface DecodeLimits {
  /**
   * Longest string attribute value kept, in UTF-8 bytes (default 64 KiB). Longer values are
   * cut on a character boundary, not rejected: a huge prompt must not cost the whole span.
   * Applies to every string inside an attribute value, including those nested in arrays and
   * maps.
   */
  maxAttributeValueBytes?: number
  /**
   * Longest attribute key kept, in UTF-8 bytes, at any depth (default 256: the longest
   * semantic-convention key is under 80). Keys are a LowCardinality column's dictionary, so
   * they are bounded far below values; a longer key is cut on a character boundary.
   */
  maxAttributeKeyBytes?: number
  /**
   * Longest span name, event name, scope name and scope version kept, in UTF-8 bytes
   * (default 1 KiB). Span names are in the table's primary key and a LowCardinality
   * dictionary; names are meant to be low-cardinality words, not payloads.
   */
  maxNameBytes?: number
  /** Longest status message kept, in UTF-8 bytes (default 4 KiB); the full error belongs in an event attribute. */
  maxStatusMessageBytes?: number
  /** Longest trace state kept, span's and link's, in UTF-8 bytes (default 512, W3C's own limit for `tracestate`). */
  maxTraceStateBytes?: number
  /**
   * Most attributes kept per resource, span, event and link (default 128, the OTel SDK's
   * attribute count limit). Like the SDK, the first ones are kept and the rest dropped and
   * counted; OTLP forbids duplicate keys, so entries and keys are the same count.
   */
  maxAttributes?: number
  /** Most events kept per span (default 128, the OTel SDK's limit); the rest are dropped and counted. */
  maxEvents?: number
  /** Most links kept per span (default 128, the OTel SDK's limit); the rest are dropped and counted. */
  maxLinks?: number
  /** More spans than this in one request refuses the whole request (default 100 000). */
  maxSpans?: number
  /** Deepest nesting of array/map attribute values accepted (default 32). */
  maxValueDepth?: number
}

export type ResolvedDecodeLimits = Required<DecodeLimits>

export const defaultDecodeLimits: ResolvedDecodeLimits = Object.freeze({
  maxAttributeValueBytes: 64 * 1024,
  maxAttributeKeyBytes: 256,
  maxNameBytes: 1024,
  maxStatusMessageBytes: 4 * 1024,
  maxTraceStateBytes: 512,
  maxAttributes: 128,
  maxEvents: 128,
  maxLinks: 128,
  maxSpans: 100_000,
  maxValueDepth: 32,
})

/** The limits with defaults filled in; a limit that is not a non-negative integer is a configuration bug. */
export function resolveDecodeLimits(limits: DecodeLimits | undefined): ResolvedDecodeLimits {
  const resolved = { ...defaultDecodeLimits }
  for (const name of Object.keys(defaultDecodeLimits) as (keyof DecodeLimits)[]) {
    resolved[name] = checkedLimit(name, limits?.[name] ?? defaultDecodeLimits[name])
  }
  return resolved
}

function checkedLimit(name: keyof DecodeLimits, value: number): number {
  if (Number.isSafeInteger(value) && value >= 0) return value
  throw new RangeError(`DecodeLimits.${name} must be a non-negative integer, got ${value}`)
}
