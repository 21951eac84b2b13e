/** A time interval in milliseconds, `[startMs, endMs)`. */
export interface TimeInterval {
  startMs: number
  endMs: number
}

/**
 * Timestamps of sequential spans may overlap by a fraction of a millisecond (one
 * clock read for a span's end, another for the next one's start): two intervals
 * that share no more than this did not run in parallel.
 */
export const overlapToleranceMs = 1

/** The intervals merged into disjoint ones, sorted by start. */
export function mergeIntervals(intervals: readonly TimeInterval[]): TimeInterval[] {
  const sorted = intervals.filter((interval) => interval.endMs > interval.startMs).sort((left, right) => left.startMs - right.startMs)
  const merged: TimeInterval[] = []
  for (const interval of sorted) {
    const last = merged.at(-1)
    if (last !== undefined && interval.startMs <= last.endMs) last.endMs = Math.max(last.endMs, interval.endMs)
    else merged.push({ startMs: interval.startMs, endMs: interval.endMs })
  }
  return merged
}

/** The time the intervals cover, each moment once. */
export function coveredMs(intervals: readonly TimeInterval[]): number {
  return mergeIntervals(intervals).reduce((sum, interval) => sum + interval.endMs - interval.startMs, 0)
}

/**
 * Where an interval of `left` ran at the same time as one of `right` for longer
 * than the tolerance: their pairwise intersections, merged. With `right` omitted,
 * where two distinct intervals of `left` ran at once. Quadratic in the count, which
 * the critical path bounds (step spans read per run).
 */
export function parallelIntervals(left: readonly TimeInterval[], right?: readonly TimeInterval[]): TimeInterval[] {
  const intersections: TimeInterval[] = []
  left.forEach((first, firstIndex) => {
    const others = right ?? left.slice(firstIndex + 1)
    for (const second of others) {
      const startMs = Math.max(first.startMs, second.startMs)
      const endMs = Math.min(first.endMs, second.endMs)
      if (endMs - startMs > overlapToleranceMs) intersections.push({ startMs, endMs })
    }
  })
  return mergeIntervals(intersections)
}
