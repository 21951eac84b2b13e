/** Spend limits per workflow, step, provider, model or tag, decided before every call without waiting on the store. */
export {
  budgetActionSchema,
  budgetConfigSchema,
  budgetListSchema,
  budgetMatchSchema,
  budgetWindowSchema,
  calendarWindowSchema,
  rollingWindowSchema,
  type BudgetActionConfig,
  type BudgetConfig,
  type BudgetConfigInput,
  type BudgetMatch,
  type BudgetWindow,
  type CalendarWindow,
  type RollingWindow,
} from './budget-config.js'
export { BudgetConfigError, isBudgetConfigError, type BudgetConfigIssue } from './budget-config-error.js'
export { createBudgetGate, type BudgetGate, type BudgetGateQuery, type BudgetGateTicket } from './budget-gate.js'
export type { BudgetAction, BudgetDecision, BudgetDecisionSummary, BudgetEvaluation } from './budget-decision.js'
export { BudgetExceededError, isBudgetExceededError, type BudgetRefusalReason } from './budget-exceeded-error.js'
export { createBudgetLedgerFor, hasSpendSource, type BudgetLedgerSetup, type CreateBudgetLedgerForOptions } from './create-budget-ledger-for.js'
export { BudgetLedger, createBudgetLedger, type BudgetLedgerOptions, type BudgetLedgerStats } from './budget-ledger.js'
export type { BudgetScope } from './budget-scope.js'
export type { BudgetStatus } from './budget-status.js'
export { calendarPeriod, type CalendarPeriod } from './calendar-period.js'
export type { OutputTokenEstimate, OutputTokenSource } from './output-token-percentiles.js'
export { parseBudgets } from './parse-budgets.js'
export type { Reservation, ReservationStatus } from './reservation.js'
export { createSpendSource, type CreateSpendSourceOptions } from './create-spend-source.js'
export {
  type OutputTokenPercentile,
  type SpendBucket,
  type SpendQuery,
  type SpendSnapshot,
  type SpendSource,
} from './spend-source.js'
export { handleSpendRequest, type HandleSpendRequestOptions, type SpendResponse, type SpendResponseBody } from './spend-request-handler.js'
export { describeWindow } from './window-span.js'
