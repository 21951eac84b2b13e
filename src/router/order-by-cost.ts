import type { RouteTarget } from './router-config.js'

/**
 * A cost route's order: the cheapest estimate first, targets whose cost is
 * unknown (no price, no token estimate) after every priced one, and ties in
 * config order. Costs are integer money units, compared exactly.
 */
export function orderByCost(
  targets: readonly RouteTarget[],
  costOf: (target: RouteTarget) => bigint | undefined,
): RouteTarget[] {
  // Pricing a lone target cannot change the order.
  if (targets.length < 2) return [...targets]
  return targets
    .map((target, index) => ({ target, index, cost: costOf(target) }))
    .sort((left, right) => compareCosts(left.cost, right.cost) || left.index - right.index)
    .map((entry) => entry.target)
}

function compareCosts(left: bigint | undefined, right: bigint | undefined): number {
  if (left === undefined || right === undefined) return (left === undefined ? 1 : 0) - (right === undefined ? 1 : 0)
  return left < right ? -1 : left > right ? 1 : 0
}
