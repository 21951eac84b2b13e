import type { RouteTarget } from './router-config.js'

export interface OrderByLatencyOptions {
  targets: readonly RouteTarget[]
  /** The recent average to compare (time to first token for streams); undefined when unmeasured. */
  averageMsOf: (target: RouteTarget) => number | undefined
  /** Share of picks that put another target first to keep measuring it, in [0, 1]. */
  probeShare: number
  random: () => number
}

/**
 * A latency route's order: the fastest recent average first, then slower ones,
 * then unmeasured targets in config order. A fraction `probeShare` of picks
 * puts another target first instead, preferring unmeasured ones, because a
 * target nobody calls is never measured again and a recovered target would
 * otherwise stay last forever.
 */
export function orderByLatency(options: OrderByLatencyOptions): RouteTarget[] {
  const { targets, averageMsOf, probeShare, random } = options
  const entries = targets.map((target, index) => ({ target, index, averageMs: averageMsOf(target) }))
  const measured = entries
    .filter((entry) => entry.averageMs !== undefined)
    .sort((left, right) => (left.averageMs ?? 0) - (right.averageMs ?? 0) || left.index - right.index)
  const unmeasured = entries.filter((entry) => entry.averageMs === undefined)
  const ordered = [...measured, ...unmeasured].map((entry) => entry.target)
  if (ordered.length < 2 || random() >= probeShare) return ordered
  const preferUnmeasured = measured.length > 0 && unmeasured.length > 0
  const candidates = preferUnmeasured ? unmeasured.map((entry) => entry.target) : ordered.slice(1)
  const probe = candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]
  if (probe === undefined) return ordered
  return [probe, ...ordered.filter((target) => target !== probe)]
}
