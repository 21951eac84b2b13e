import type { BudgetState } from './budget-state.js'
import { addSpanId, type LocalCall } from './local-call.js'
import type { LedgerReservation, ReservationHooks } from './reservation.js'
import type { SharedBudgetStore } from './shared/shared-budget-store.js'

export interface ActiveReservation {
  reservation: LedgerReservation
  states: BudgetState[]
}

/**
 * What ending a reservation does to the budgets it was reserved against, in this
 * process and (with shared budgets) in Redis. A class, not four closures per
 * reservation: the router reserves before every call.
 */
export class ReservedBudgets implements ReservationHooks {
  readonly #call: LocalCall
  readonly #states: readonly BudgetState[]
  readonly #active: Map<number, ActiveReservation>
  readonly #now: () => number
  readonly #shared: SharedBudgetStore | undefined

  constructor(options: { call: LocalCall; states: readonly BudgetState[]; active: Map<number, ActiveReservation>; now: () => number; shared?: SharedBudgetStore | undefined }) {
    this.#call = options.call
    this.#states = options.states
    this.#active = options.active
    this.#now = options.now
    this.#shared = options.shared
  }

  attachSpan(id: number, spanId: string): void {
    for (const state of this.#states) state.attachSpan(id, spanId)
  }

  settle(id: number, units: bigint, spanIds: readonly string[]): void {
    this.#active.delete(id)
    const call = this.#call
    for (const spanId of spanIds) addSpanId(call, spanId)
    // Every budget takes the worst case out before the units change, then the budgets
    // that must wait for the store count the actual cost (a LocalSpend's total relies on it).
    let waiting: BudgetState[] | undefined
    for (const state of this.#states) {
      if (state.finishReservation(id, units)) (waiting ??= []).push(state)
      else this.#settledWithoutWait(id, state, units)
    }
    if (waiting === undefined) return
    call.units = units
    call.settledAtMs = this.#now()
    for (const state of waiting) {
      this.#shared?.finish(id, state.config.name, units)
      state.addFinished(id, call)
    }
  }

  /** In Redis: a call this budget's refresh already saw is seen (as of that refresh); one that cost nothing leaves. */
  #settledWithoutWait(id: number, state: BudgetState, units: bigint): void {
    if (this.#shared === undefined) return
    if (units > 0n) this.#shared.seen(id, state.config.name, state.lastRefreshMs ?? this.#now(), units)
    else this.#shared.leave(id, state.config.name)
  }

  release(id: number): void {
    this.#active.delete(id)
    for (const state of this.#states) state.release(id)
    this.#shared?.release(id)
  }

  streamLimitUnits(id: number): bigint | undefined {
    const nowMs = this.#now()
    let limit: bigint | undefined
    for (const state of this.#states) {
      const room = state.streamRoom(id, nowMs)
      if (room !== undefined && (limit === undefined || room < limit)) limit = room
    }
    return limit
  }
}
