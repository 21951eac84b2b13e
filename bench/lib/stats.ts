/** Latency samples in nanoseconds, summarized in microseconds. */
export interface LatencySummary {
  count: number
  p50Us: number
  p90Us: number
  p99Us: number
  meanUs: number
  minUs: number
  maxUs: number
}

/** The q-quantile (0..1) of sorted values, nearest rank: what was actually observed, no interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

export function summarizeNanoseconds(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right)
  const sum = sorted.reduce((total, value) => total + value, 0)
  const micros = (nanoseconds: number): number => Math.round(nanoseconds / 10) / 100
  return {
    count: sorted.length,
    p50Us: micros(quantile(sorted, 0.5)),
    p90Us: micros(quantile(sorted, 0.9)),
    p99Us: micros(quantile(sorted, 0.99)),
    meanUs: micros(sorted.length === 0 ? Number.NaN : sum / sorted.length),
    minUs: micros(sorted[0] ?? Number.NaN),
    maxUs: micros(sorted.at(-1) ?? Number.NaN),
  }
}

/** The median of a few repeated measurements (of throughput, of query times). */
export function median(values: readonly number[]): number {
  return quantile([...values].sort((left, right) => left - right), 0.5)
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
