/** Bounds applied while decoding one OTLP trace export request. */
export interface DecodeLimits {
  /**
   * Longest string attribute value kept, in UTF-8 bytes (default 64 KiB). Longer values are
   * cut on a character boundary, not rejected: a huge prompt must not cost the whole span.
   * Applies to every string inside an attribute value, including those nested in arrays and
   * maps; keys, span names and status messages are kept whole.
   */
  maxAttributeValueBytes?: number
  /** More spans than this in one request refuses the whole request (default 100 000). */
  maxSpans?: number
  /** Deepest nesting of array/map attribute values accepted (default 32). */
  maxValueDepth?: number
}

export type ResolvedDecodeLimits = Required<DecodeLimits>

export const defaultDecodeLimits: ResolvedDecodeLimits = Object.freeze({
  maxAttributeValueBytes: 64 * 1024,
  maxSpans: 100_000,
  maxValueDepth: 32,
})

/** The limits with defaults filled in; a limit that is not a non-negative integer is a configuration bug. */
export function resolveDecodeLimits(limits: DecodeLimits | undefined): ResolvedDecodeLimits {
  return {
    maxAttributeValueBytes: checkedLimit('maxAttributeValueBytes', limits?.maxAttributeValueBytes ?? defaultDecodeLimits.maxAttributeValueBytes),
    maxSpans: checkedLimit('maxSpans', limits?.maxSpans ?? defaultDecodeLimits.maxSpans),
    maxValueDepth: checkedLimit('maxValueDepth', limits?.maxValueDepth ?? defaultDecodeLimits.maxValueDepth),
  }
}

function checkedLimit(name: keyof DecodeLimits, value: number): number {
  if (Number.isSafeInteger(value) && value >= 0) return value
  throw new RangeError(`DecodeLimits.${name} must be a non-negative integer, got ${value}`)
}
