import type { BudgetDecision, BudgetEvaluation } from '../budget-decision.js'
import { BudgetExceededError } from '../budget-exceeded-error.js'
import type { BudgetScope } from '../budget-scope.js'
import type { BudgetState } from '../budget-state.js'
import type { LedgerReservation } from '../reservation.js'
import type { SharedBudgetStore, SharedReserveBudget } from './shared-budget-store.js'
import { SharedBudgetUnavailableError } from './shared-budget-unavailable-error.js'
import { picoOf } from './nano-usd.js'

export interface AdmitSharedOptions {
  shared: SharedBudgetStore
  /** The call's reservation in this process, made already: released here when the shared check refuses. */
  reservation: LedgerReservation
  states: readonly BudgetState[]
  decision: BudgetDecision
  scope: BudgetScope
  worstCaseUnits: bigint
  nowMs: number
}

/**
 * The shared half of a reservation: this process already decided on what it knows
 * (its settled figure, its own calls, the others' last known); Redis now checks the
 * call against every process's reservations and unconfirmed calls in one atomic
 * script. Resolves when admitted; rejects with BudgetExceededError when a budget has
 * no room, or when Redis does not answer and `onUnavailable` is `block`. With
 * `local` an unanswered check admits the call on this process's decision and marks
 * it, and the call is registered in Redis once it answers again.
 */
export function admitShared(options: AdmitSharedOptions): Promise<void> {
  const { shared, reservation, states, nowMs } = options
  const budgets = states.map((state) => ({ name: state.config.name, roomUnits: state.sharedRoomUnits(nowMs), figureAtMs: state.lastRefreshMs ?? 0 }))
  // Under load most calls fit in this process's headroom: admitted without a round trip.
  if (shared.admitFromGrant({ id: reservation.id, units: options.worstCaseUnits, budgets })) return admittedFromGrant
  return admitInRedis(options, budgets)
}

const admittedFromGrant = Promise.resolve()

async function admitInRedis(options: AdmitSharedOptions, budgets: SharedReserveBudget[]): Promise<void> {
  const { shared, reservation, states, nowMs } = options
  let answer
  try {
    answer = await shared.reserve({ id: reservation.id, units: options.worstCaseUnits, budgets })
  } catch (error) {
    if (SharedBudgetUnavailableError.isInstance(error) && shared.onUnavailable === 'local') {
      shared.admitLocally(reservation.id)
      markSharedUnavailable(options.decision)
      return
    }
    reservation.release()
    throw SharedBudgetUnavailableError.isInstance(error) ? refuseSharedUnavailable(options) : error
  }
  if (answer.admitted) return
  reservation.release()
  const state = states[answer.index] ?? states[0]!
  const evaluation = state.evaluate(nowMs, options.worstCaseUnits)
  throw new BudgetExceededError({
    budget: state.config.name,
    scope: options.scope,
    window: state.config.window,
    reason: 'limit',
    spentUnits: evaluation.settledUnits + picoOf(answer.sharedNano),
    limitUnits: state.config.limitUnits,
    worstCaseUnits: options.worstCaseUnits,
    blockAt: evaluation.blockAt ?? 1,
    // A calendar window has room again at its boundary; in a rolling one, as the spend in flight settles.
    retryAtMs: evaluation.windowEndMs,
    storeAgeMs: evaluation.storeAgeMs,
  })
}

/** The refusal of `onUnavailable: 'block'`: named after the budget that decided the call. */
export function refuseSharedUnavailable(options: { states: readonly BudgetState[]; decision: BudgetDecision; scope: BudgetScope; worstCaseUnits: bigint }): BudgetExceededError {
  const evaluation: BudgetEvaluation | undefined = options.decision.budget ?? options.decision.evaluations[0]
  const config = options.states.find((state) => state.config.name === evaluation?.name)?.config ?? options.states[0]!.config
  return new BudgetExceededError({
    budget: config.name,
    scope: options.scope,
    window: config.window,
    reason: 'shared_unavailable',
    spentUnits: evaluation?.spentUnits ?? 0n,
    limitUnits: config.limitUnits,
    worstCaseUnits: options.worstCaseUnits,
    blockAt: evaluation?.blockAt ?? 1,
  })
}

/** The call was decided in this process alone: say so on its spans (`switchyard.budget.shared`). */
export function markSharedUnavailable(decision: BudgetDecision): void {
  decision.shared = 'unavailable'
  if (decision.summary !== undefined) decision.summary.shared = 'unavailable'
}
