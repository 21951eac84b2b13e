/**
 * One call of this process as a budget counts it before the store does: reserved
 * (its worst case, while in flight) or finished (its actual cost, until the store
 * shows its spans). One object serves every budget the call matches; its units change
 * only while no budget holds it (between a reservation's end and the wait for the
 * store), since a LocalSpend's running total assumes the units it added stay put.
 */
export interface LocalCall {
  units: bigint
  /** When the call was reserved: just before its spans start, so the store buckets them at or after this minute. */
  atMs: number
  /** The spans of the call: one per provider attempt (retries, fallbacks and hedges add more). */
  spanIds: string[]
  /** When it finished, for calls without a span id (see ingestDelayMs). */
  settledAtMs?: number
}

/** Attempts of one call whose spans the ledger follows; more are still counted, just not followed. */
export const maxSpansPerCall = 16

export const minuteMs = 60_000

export function floorMinute(ms: number): number {
  return Math.floor(ms / minuteMs) * minuteMs
}

/**
 * Every span of the call is in the store, so the store's figure holds its whole cost.
 * `seen` holds the spans one budget's refreshes have shown: budgets refresh at their own
 * times, so what one has seen is not yet in another's figure.
 */
export function isInStore(call: LocalCall, seen: ReadonlySet<string> | undefined): boolean {
  return seen !== undefined && call.spanIds.length > 0 && call.spanIds.every((spanId) => seen.has(spanId))
}

export function addSpanId(call: LocalCall, spanId: string): void {
  if (call.spanIds.length < maxSpansPerCall && !call.spanIds.includes(spanId)) call.spanIds.push(spanId)
}
