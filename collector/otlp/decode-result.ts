import type { SpanRow } from './span-row.js'

/**
 * The rows of the spans that were accepted, and what was refused: `rejected` spans (bad
 * ids) are dropped one by one, so the collector can answer with OTLP partial success.
 * `errors` holds one message per distinct problem, at most ten.
 */
export interface DecodeResult {
  rows: SpanRow[]
  rejected: number
  errors: string[]
}
