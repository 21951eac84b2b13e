import type { SharedGrants } from './shared-grants.js'
import { sharedBudgetKeys } from './shared-budget-keys.js'

/**
 * One `grant` of the budget script for the budgets whose headroom should change (or
 * whose grant's lease is due), and what Redis answered applied to `grants`.
 */
export async function sendGrants(options: {
  grants: SharedGrants
  nowMs: number
  renewMs: number
  grantId: string
  prefix: string
  header: readonly string[]
  clockSkewMs: number
  run: (keys: readonly string[], args: readonly string[]) => Promise<unknown>
}): Promise<void> {
  const requests = options.grants.requests(options.nowMs, options.renewMs)
  if (requests.length === 0) return
  const args = [...options.header]
  for (const request of requests) {
    args.push(options.grantId, String(request.roomNano), String(Math.trunc(request.figureAtMs - options.clockSkewMs)), String(request.targetNano), String(request.floorNano))
  }
  const reply = await options.run(requests.flatMap((request) => sharedBudgetKeys(options.prefix, request.budget)), args) as number[]
  for (const [index, request] of requests.entries()) options.grants.granted(request.budget, Number(reply[index]))
}
