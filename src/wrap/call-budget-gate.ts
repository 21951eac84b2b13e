import type { BudgetDecisionRecord } from '../telemetry/model-call-span.js'
import type { CallScope } from '../telemetry/workflow-context.js'

/** What an instrumented call tells the budget gate about itself. */
export interface CallBudgetQuery {
  scope: CallScope
  /** `provider/model`: the name the router gives a route addressed by model, so one budget config reads both. */
  route: string
  /** `gen_ai.provider.name` of the call. */
  provider: string
  /** The requested model. */
  model: string
  /** The service tier the request asks for (OpenAI and Anthropic `service_tier`), when it names one. */
  serviceTier?: string
  /** The request's prompt in tokens, estimated from its text. */
  inputTokens?: number
  /** The request's output limit (`max_tokens`, `max_completion_tokens`, `max_output_tokens`), when it sets one. */
  maxOutputTokens?: number
  /**
   * The most the call can cost, in pico-USD, from the client's price table: the
   * estimated prompt and the output limit at the prices of the requested service
   * tier (or of the unknown-model policy). Absent without an output limit or a price.
   */
  worstCaseUnits?: bigint
}

/** An admitted call, as the gate hands it back. */
export interface CallBudgetTicket {
  /** The decision, recorded on the call's span as `switchyard.budget.*`. */
  record?: BudgetDecisionRecord
  /**
   * With budgets shared across processes (Redis): resolves once the call is admitted
   * by all of them, rejects with the refusal. The request is sent only after.
   */
  admission?: PromiseLike<void>
  /** The call's span, so the ledger can tell when the store has counted it. */
  attachSpan?(spanId: string): void
  /** The call ended: with its cost in pico-USD when it is known, else with nothing billed. */
  release(actualUnits?: bigint): void
}

/**
 * The budget gate an instrumented call passes before its request is sent: the
 * shape of the budget module's `createBudgetGate({ ledger })`, typed here so that
 * wrap does not depend on budget. `decide` is synchronous and throws (a
 * `BudgetExceededError`) to block. The query's `worstCaseUnits` is what to
 * reserve (`createBudgetGate({ ledger, worstCaseUnits })` can return it). A
 * `downgradeRoute` cannot be honoured (the caller chose the model), so it is
 * only recorded on the span.
 */
export interface CallBudgetGate {
  decide(query: CallBudgetQuery): CallBudgetTicket
}
