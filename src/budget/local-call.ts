/**
 * One call of this process as a budget counts it before the store does: reserved
 * (its worst case, while in flight) or finished (its actual cost, until the store
 * shows its spans).
 */
export interface LocalCall {
  units: bigint
  /** When the call was reserved: just before its spans start, so the store buckets them at or after this minute. */
  atMs: number
  /** The spans of the call: one per provider attempt (retries, fallbacks and hedges add more). */
  spanIds: string[]
  /** The spans the store has shown so far (made at the first one: most calls never need it). */
  seenSpanIds?: Set<string>
  /** When it finished, for calls without a span id (see ingestDelayMs). */
  settledAtMs?: number
}

/** Attempts of one call whose spans the ledger follows; more are still counted, just not followed. */
export const maxSpansPerCall = 16

export const minuteMs = 60_000

export function floorMinute(ms: number): number {
  return Math.floor(ms / minuteMs) * minuteMs
}

/** Every span of the call is in the store, so the store's figure holds its whole cost. */
export function isInStore(call: LocalCall): boolean {
  const seen = call.seenSpanIds
  return seen !== undefined && call.spanIds.length > 0 && call.spanIds.every((spanId) => seen.has(spanId))
}

export function markSeen(call: LocalCall, spanId: string): void {
  (call.seenSpanIds ??= new Set()).add(spanId)
}

export function addSpanId(call: LocalCall, spanId: string): void {
  if (call.spanIds.length < maxSpansPerCall && !call.spanIds.includes(spanId)) call.spanIds.push(spanId)
}
