/** Something that counts in a rolling window until `leavesAtMs`. */
export interface LeavingSpend {
  units: bigint
  leavesAtMs: number
}

/**
 * The earliest time a rolling window has room for a call: walk the spend in the
 * window in the order it leaves and stop when the rest plus the call fits under the
 * threshold (`(rest + call) × 10^6 ≤ limit × share in millionths`, exact). A call in
 * flight or not yet in the store leaves from the minute it started, as the store will
 * bucket it. Hour buckets leave at their end, so the
 * answer is never early, at worst late by the part of an hour the store summed.
 * Undefined when the call alone does not fit.
 */
export function rollingRetryAt(options: {
  spend: readonly LeavingSpend[]
  spentUnits: bigint
  worstCaseUnits: bigint
  limitUnits: bigint
  blockMillionths: bigint
}): number | undefined {
  const fits = (rest: bigint): boolean => (rest + options.worstCaseUnits) * 1_000_000n <= options.limitUnits * options.blockMillionths
  if (!fits(0n)) return undefined
  let rest = options.spentUnits
  for (const item of [...options.spend].sort((left, right) => left.leavesAtMs - right.leavesAtMs)) {
    rest -= item.units
    if (fits(rest)) return item.leavesAtMs
  }
  return undefined
}
