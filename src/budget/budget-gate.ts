import type { BudgetLedger } from './budget-ledger.js'
import type { BudgetDecisionSummary } from './budget-decision.js'
import type { BudgetScope } from './budget-scope.js'
import type { Reservation } from './reservation.js'

/** What a caller tells the gate about a call before it is sent. */
export interface BudgetGateQuery {
  scope: BudgetScope
  /** The route asked for (`provider/model` for a call addressed by model). */
  route: string
  /** `gen_ai.provider.name`, when the target is known already (instrumented clients). */
  provider?: string
  model?: string
  /** The service tier the request asks for, when it names one. */
  serviceTier?: string
  /** The request's prompt in tokens, estimated from its text. */
  inputTokens?: number
  /** The request's output limit, when it sets one. */
  maxOutputTokens?: number
  /** The most the call can cost, in pico-USD, as the caller priced it (instrumented clients do); reserved unless the gate has its own `worstCaseUnits`. */
  worstCaseUnits?: bigint
}

/** One admitted call: what to record on its spans, where to send it, and how to end it. */
export interface BudgetGateTicket {
  record?: BudgetDecisionSummary
  downgradeRoute?: string
  reservation: Reservation
  /**
   * With shared budgets: resolves once Redis admitted the call across processes,
   * rejects with BudgetExceededError when it refuses. Await it before the call.
   */
  admission?: Promise<void>
  /** Attach each attempt's span, so the ledger sees the call arrive in the store. */
  attachSpan(spanId: string): void
  /** The call ended: with its total cost in pico-USD when known (settle), else nothing was billed (release). */
  release(actualUnits?: bigint): void
}

export interface BudgetGate {
  decide(query: BudgetGateQuery): BudgetGateTicket
}

/**
 * The ledger behind the one-call gate that the router and instrumented clients
 * already ask (`decide` before the call, throwing BudgetExceededError to block;
 * `release` once at the end). Shaped to fit their gate interfaces without importing
 * them: budgets know nothing of the router. `worstCaseUnits` prices the call's
 * reservation (prompt tokens at the dearest input price plus the output allowance of
 * `ledger.outputTokensFor`, through pricing's worstCaseCost); without it the gate
 * reserves the query's own `worstCaseUnits`, and a call that gives none reserves
 * nothing: only the spend already made counts.
 */
export function createBudgetGate(options: { ledger: BudgetLedger; worstCaseUnits?: (query: BudgetGateQuery) => bigint }): BudgetGate {
  return {
    decide(query) {
      const scope: BudgetScope = { ...query.scope }
      if (query.provider !== undefined) scope.provider = query.provider
      if (query.model !== undefined) scope.model = query.model
      const reservation = options.ledger.reserve({ scope, worstCaseUnits: options.worstCaseUnits?.(query) ?? query.worstCaseUnits ?? 0n })
      const ticket: BudgetGateTicket = {
        reservation,
        attachSpan: (spanId) => reservation.attachSpan(spanId),
        release: (actualUnits) => {
          if (actualUnits === undefined) reservation.release()
          else reservation.settle(actualUnits)
        },
      }
      if (reservation.admission !== undefined) ticket.admission = reservation.admission
      if (reservation.decision.summary !== undefined) ticket.record = reservation.decision.summary
      if (reservation.decision.downgradeTo !== undefined) ticket.downgradeRoute = reservation.decision.downgradeTo
      return ticket
    },
  }
}
