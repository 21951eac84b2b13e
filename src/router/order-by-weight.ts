import type { RouteTarget } from './router-config.js'

/**
 * A weighted route's order: the first target drawn at random in proportion to
 * the weights (70/30 puts the first target first in 70% of requests), the
 * others after it by descending weight, ties in config order, so a fallback
 * goes to the next most trusted target. A missing weight counts as 1; a weight
 * of 0 never comes first. One draw of `random` per call.
 */
export function orderByWeight(targets: readonly RouteTarget[], random: () => number): RouteTarget[] {
  const entries = targets.map((target, index) => ({ target, index, weight: target.weight ?? 1 }))
  const weighted = entries.filter((entry) => entry.weight > 0)
  // Float sums can leave a sliver past the last weight; the last weighted target owns it.
  let first = weighted.at(-1)
  if (first === undefined) return [...targets]
  const total = weighted.reduce((sum, entry) => sum + entry.weight, 0)
  let remaining = Math.min(Math.max(random(), 0), 1) * total
  for (const entry of weighted) {
    if (remaining < entry.weight) {
      first = entry
      break
    }
    remaining -= entry.weight
  }
  const rest = entries
    .filter((entry) => entry !== first)
    .sort((left, right) => right.weight - left.weight || left.index - right.index)
  return [first.target, ...rest.map((entry) => entry.target)]
}
