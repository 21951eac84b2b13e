import type { SpanRow } from './span-row.js'

/**
 * The rows of the spans that were accepted, and what was refused: `rejected` spans (bad
 * ids, a missing or unstorable time) are dropped one by one, so the collector can answer
 * with OTLP partial success. `dropped` counts the parts left out of accepted spans (events
 * with a bad time, attributes, events and links past their count limits). `errors` holds
 * one message per distinct problem of either kind, at most ten.
 */
export interface DecodeResult {
  rows: SpanRow[]
  rejected: number
  dropped: number
  errors: string[]
}
