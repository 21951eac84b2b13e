import type { SpendBucket, SpendQuery, SpendSnapshot, SpendSource } from '../../src/budget/spend-source.js'

const minuteMs = 60_000
const hourMs = 3_600_000

/**
 * A spend source that answers at once with the buckets the store's query returns
 * for a busy workflow: minute buckets for the window's leading edge (up to two hours)
 * and its last `recentMinutes`, an hour bucket for every whole hour between. That is
 * the most a window can hold whatever the store's size (30 d: ~850 buckets), so the
 * decision sees the same figures as over a full store, without one in this process.
 * Each answer also reports every waited-for span as seen (unless `confirmSpans` is false).
 */
export function staticSpendSource(options: { recentMinutes?: number; unitsPerMinute?: bigint; confirmSpans?: boolean } = {}): SpendSource {
  const recentMinutes = options.recentMinutes ?? 10
  const perMinute = options.unitsPerMinute ?? 1_000_000_000n
  return {
    description: 'static bench figures',
    // As many as the store's source asks about per query.
    maxSpanIds: 10_000,
    async fetchSpend(query: SpendQuery): Promise<SpendSnapshot> {
      const buckets: SpendBucket[] = []
      const nowMinute = Math.floor(Date.now() / minuteMs) * minuteMs
      const edgeEnd = Math.min(Math.ceil(query.fromMs / hourMs) * hourMs + 2 * hourMs, nowMinute)
      const hoursEnd = Math.max(edgeEnd, Math.floor((nowMinute - recentMinutes * minuteMs) / hourMs) * hourMs)
      for (let start = query.fromMs; start < edgeEnd; start += minuteMs) buckets.push({ startMs: start, durationMs: minuteMs, units: perMinute })
      for (let start = edgeEnd; start < hoursEnd; start += hourMs) buckets.push({ startMs: start, durationMs: hourMs, units: perMinute * 60n })
      for (let start = hoursEnd; start <= nowMinute; start += minuteMs) buckets.push({ startMs: start, durationMs: minuteMs, units: perMinute })
      // Every span the ledger waits for counts as arrived: the best case, a collector that
      // ingests within one refresh interval, so finished calls leave local spend at the next refresh.
      return { buckets, seenSpanIds: options.confirmSpans === false ? [] : [...query.spanIds] }
    },
    async fetchOutputTokenPercentiles() {
      return []
    },
  }
}
