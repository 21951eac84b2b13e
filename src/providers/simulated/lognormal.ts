import type { SeededRandom } from './seeded-random.js'

/** A latency distribution by its median and 95th percentile, in milliseconds. */
export interface LatencyDistribution {
  medianMs: number
  p95Ms: number
}

/** The 95th percentile of the standard normal distribution. */
const z95 = 1.6448536269514722

/**
 * Draws from the lognormal distribution with the given median and p95: the
 * usual shape of service latency (a floor, a body, a long right tail). With
 * p95 at or below the median it is a constant.
 */
export function sampleLognormal(random: SeededRandom, distribution: LatencyDistribution): number {
  const median = Math.max(distribution.medianMs, 0)
  if (median === 0) return 0
  const sigma = distribution.p95Ms > median ? Math.log(distribution.p95Ms / median) / z95 : 0
  return Math.exp(Math.log(median) + sigma * random.normal())
}
