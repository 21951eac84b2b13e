import { formatUsd } from '../pricing/format-usd.js'
import type { BudgetWindow } from './budget-config.js'
import { BudgetExceededError, type BudgetRefusalReason } from './budget-exceeded-error.js'
import type { BudgetScope } from './budget-scope.js'

/** What a budget asks of a call, from mildest to strictest. */
export type BudgetAction = 'allow' | 'warn' | 'downgrade' | 'block'

const severity: Readonly<Record<BudgetAction, number>> = { allow: 0, warn: 1, downgrade: 2, block: 3 }

/** One budget's figures for one call, all amounts in pico-USD. */
export interface BudgetEvaluation {
  name: string
  action: BudgetAction
  /** The route a `downgrade` asks for. */
  downgradeTo?: string
  /** The share of the limit of the action taken (undefined for allow). */
  actionAt?: number
  /** Why a block: the limit, or a store unread for longer than maxStalenessMs. */
  reason?: BudgetRefusalReason
  /** Spend in the window as the store showed it at the last refresh. */
  settledUnits: bigint
  /** This process's finished calls the store did not show yet. */
  unconfirmedUnits: bigint
  /** This process's calls in flight (their worst case). */
  reservedUnits: bigint
  /** With shared budgets: the other processes' calls in flight and unconfirmed, as Redis last said. */
  othersUnits?: bigint
  /** settled + unconfirmed + reserved (+ others'): the spend before this call. */
  spentUnits: bigint
  /** This call's worst case (0 when decide was not given one). */
  worstCaseUnits: bigint
  limitUnits: bigint
  /** spent / limit, for display and spans; decisions compare exact units. */
  share: number
  window: BudgetWindow
  windowStartMs: number
  /** The next boundary of a calendar window. */
  windowEndMs?: number
  /** Time since the query of the store's figure started; undefined before the first successful refresh. */
  storeAgeMs?: number
  /** True once the figure is older than the budget's maxStalenessMs. */
  stale: boolean
  /** For block: when the window will have room for this call again, if the ledger can tell. */
  retryAtMs?: number
  /** The share at which the budget blocks; undefined for a budget that never blocks. */
  blockAt?: number
}

/** The `switchyard.budget.*` span attributes, the shape of telemetry's BudgetDecisionRecord. */
export interface BudgetDecisionSummary {
  name: string
  action: BudgetAction
  spentUsd: string
  limitUsd: string
  /** `unavailable` when shared budgets could not reach Redis and the call was decided in this process alone. */
  shared?: 'unavailable'
}

/** What the ledger says about one call: the strictest of every matching budget. */
export interface BudgetDecision {
  action: BudgetAction
  /** The budget whose action won; for allow, the matching budget nearest its limit. */
  budget?: BudgetEvaluation
  /** For downgrade: the route to send the call to instead. */
  downgradeTo?: string
  /** Every matching budget, in config order. */
  evaluations: readonly BudgetEvaluation[]
  /** For the span; undefined when no budget matched. */
  summary?: BudgetDecisionSummary
  /** For block: the error to throw. */
  error?: BudgetExceededError
  /** `unavailable` when shared budgets could not reach Redis and this process decided alone. */
  shared?: 'unavailable'
}

/**
 * Combine the budgets that match a call: the strictest action wins (block, then
 * downgrade, then warn); between budgets asking the same, the one nearest its limit
 * with this call, so the span names the budget that mattered most.
 */
export function combineEvaluations(evaluations: readonly BudgetEvaluation[], scope: BudgetScope): BudgetDecision {
  let winner: BudgetEvaluation | undefined
  for (const evaluation of evaluations) {
    if (winner === undefined || outranks(evaluation, winner)) winner = evaluation
  }
  if (winner === undefined) return { action: 'allow', evaluations }
  const decision: BudgetDecision = {
    action: winner.action,
    budget: winner,
    evaluations,
    summary: { name: winner.name, action: winner.action, spentUsd: formatUsd(winner.spentUnits), limitUsd: limitUsd(winner.limitUnits) },
  }
  if (winner.downgradeTo !== undefined) decision.downgradeTo = winner.downgradeTo
  if (winner.action === 'block') {
    decision.error = new BudgetExceededError({
      budget: winner.name,
      scope,
      window: winner.window,
      reason: winner.reason ?? 'limit',
      spentUnits: winner.spentUnits,
      limitUnits: winner.limitUnits,
      worstCaseUnits: winner.worstCaseUnits,
      blockAt: winner.blockAt ?? 1,
      retryAtMs: winner.retryAtMs,
      storeAgeMs: winner.storeAgeMs,
    })
  }
  return decision
}

/** Budgets' limits as decimal strings: a handful per process, each formatted once rather than on every call. */
const limitStrings = new Map<bigint, string>()
const maxLimitStrings = 1_024

function limitUsd(units: bigint): string {
  let text = limitStrings.get(units)
  if (text === undefined) {
    if (limitStrings.size >= maxLimitStrings) limitStrings.clear()
    text = formatUsd(units)
    limitStrings.set(units, text)
  }
  return text
}

function outranks(candidate: BudgetEvaluation, current: BudgetEvaluation): boolean {
  const difference = severity[candidate.action] - severity[current.action]
  if (difference !== 0) return difference > 0
  // Compare (spent + worst case) / limit across budgets exactly: a/b > c/d ⇔ a·d > c·b.
  const candidateSpend = candidate.spentUnits + candidate.worstCaseUnits
  const currentSpend = current.spentUnits + current.worstCaseUnits
  return candidateSpend * current.limitUnits > currentSpend * candidate.limitUnits
}
