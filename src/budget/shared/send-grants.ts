import type { GrantRequest } from './shared-grants.js'
import { sharedBudgetKeys } from './shared-budget-keys.js'

/**
 * One `grant` of the budget script for the budgets whose headroom should change (or
 * whose grant's lease is due): per budget what Redis holds for this process after it.
 */
export async function sendGrants(options: {
  requests: readonly GrantRequest[]
  grantId: string
  prefix: string
  header: readonly string[]
  clockSkewMs: number
  run: (keys: readonly string[], args: readonly string[]) => Promise<unknown>
}): Promise<Map<string, number>> {
  const args = [...options.header]
  for (const request of options.requests) {
    args.push(options.grantId, String(request.roomNano), String(Math.trunc(request.figureAtMs - options.clockSkewMs)), String(request.targetNano), String(request.floorNano))
  }
  const reply = await options.run(options.requests.flatMap((request) => sharedBudgetKeys(options.prefix, request.budget)), args) as number[]
  return new Map(options.requests.map((request, index) => [request.budget, Number(reply[index])]))
}
