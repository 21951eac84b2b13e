import type { BudgetDecision } from './budget-decision.js'

export type ReservationStatus = 'active' | 'settled' | 'released'

/**
 * A call's claim on its budgets while it runs: its worst-case cost counts against
 * every matching budget until `settle` (the call ended; its actual cost replaces the
 * worst case until the store shows the call) or `release` (error or abort before
 * anything was billed). The first of the two wins; later calls of either are no-ops,
 * so both can sit in `finally` blocks. A reservation nobody ends is released by the
 * ledger after `reservationTtlMs` and counted in its stats.
 */
export interface Reservation {
  readonly id: number
  readonly decision: BudgetDecision
  readonly worstCaseUnits: bigint
  readonly status: ReservationStatus
  /**
   * With shared budgets: resolves once Redis admitted the call against every
   * process's reservations, and rejects with BudgetExceededError when it refuses
   * (the reservation is then released). Await it before calling the provider.
   * Undefined when nothing is shared: the synchronous decision was the whole answer.
   */
  readonly admission?: Promise<void> | undefined
  /**
   * A span of the call, once started (one per attempt: call it for each retry, fallback
   * or hedge): lets the ledger see the call arrive in the store, exactly once.
   */
  attachSpan(spanId: string): void
  /**
   * The call ended having cost `actualUnits` pico-USD in all (0n counts nothing);
   * `spanId`/`spanIds` add spans not attached yet. True if this ended the reservation.
   */
  settle(actualUnits: bigint, options?: { spanId?: string; spanIds?: readonly string[] }): boolean
  /** The call failed or was aborted without a bill. True if this ended the reservation. */
  release(): boolean
  /**
   * For streams: the most this call may cost before it would cross the block threshold
   * of a matching budget with `stopStreamAtLimit`, given everyone else's spend now;
   * undefined when no such budget applies. Ask again as the stream goes on.
   */
  streamLimitUnits(): bigint | undefined
}

/** What the ledger does when a reservation changes. */
export interface ReservationHooks {
  attachSpan(id: number, spanId: string): void
  settle(id: number, actualUnits: bigint, spanIds: readonly string[]): void
  release(id: number): void
  streamLimitUnits(id: number): bigint | undefined
}

export class LedgerReservation implements Reservation {
  readonly id: number
  readonly decision: BudgetDecision
  readonly worstCaseUnits: bigint
  readonly reservedAtMs: number
  admission: Promise<void> | undefined
  #state: ReservationStatus = 'active'
  readonly #hooks: ReservationHooks

  constructor(options: { id: number; decision: BudgetDecision; worstCaseUnits: bigint; reservedAtMs: number; hooks: ReservationHooks }) {
    this.id = options.id
    this.decision = options.decision
    this.worstCaseUnits = options.worstCaseUnits
    this.reservedAtMs = options.reservedAtMs
    this.#hooks = options.hooks
  }

  get status(): ReservationStatus {
    return this.#state
  }

  attachSpan(spanId: string): void {
    this.#hooks.attachSpan(this.id, spanId)
  }

  settle(actualUnits: bigint, options: { spanId?: string; spanIds?: readonly string[] } = {}): boolean {
    if (this.#state !== 'active') return false
    this.#state = 'settled'
    const spanIds = options.spanId === undefined ? (options.spanIds ?? []) : [...(options.spanIds ?? []), options.spanId]
    this.#hooks.settle(this.id, actualUnits < 0n ? 0n : actualUnits, spanIds)
    return true
  }

  release(): boolean {
    if (this.#state !== 'active') return false
    this.#state = 'released'
    this.#hooks.release(this.id)
    return true
  }

  streamLimitUnits(): bigint | undefined {
    return this.#state === 'active' ? this.#hooks.streamLimitUnits(this.id) : undefined
  }
}
