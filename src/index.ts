/**
 * switchyard: routing, observability and budgeting for agent inference.
 * The public surface; names here stay.
 */
export { createRouter, type Router, type RouterDependencies, type BudgetGate } from './router/create-router.js'
export { SwitchyardError, type SwitchyardErrorOptions } from './errors/switchyard-error.js'
export { switchyardErrorCodes, type SwitchyardErrorCode } from './errors/switchyard-error-code.js'
export { ConfigError, type ConfigIssue } from './errors/config-error.js'
export type { ChatRequest, ChatResult, ChatStream, ChatStreamChunk, AttemptRecord } from './router/chat-request.js'
export { AllTargetsFailedError, isAllTargetsFailedError, RequestAbortedError, UnknownRouteError } from './router/router-errors.js'
export { RouterConfigError, isRouterConfigError } from './router/router-config-error.js'
export type { RouterConfig, RouterConfigInput } from './router/router-config.js'
export { ProviderError, isProviderError, type ProviderErrorCode } from './providers/provider-error.js'
export type { ChatMessage, ToolCall, ToolDefinition, Usage } from './model-call/index.js'
export { workflow, step, currentScope, type WorkflowOptions } from './telemetry/workflow-context.js'
export { startTelemetry, type StartTelemetryOptions, type Telemetry } from './telemetry/start-telemetry.js'
export { createPriceTable, priceCall, formatUsd, type PriceTable } from './pricing/index.js'
export { createStore, type Store } from './store/create-store.js'
export { migrate } from './store/migrate.js'
export { instrument } from './wrap/instrument.js'
export type { InstrumentOptions } from './wrap/instrument-options.js'
export type { CallBudgetGate, CallBudgetQuery, CallBudgetTicket } from './wrap/call-budget-gate.js'
export { switchyardMiddleware, type SwitchyardMiddleware, type SwitchyardMiddlewareOptions } from './wrap/switchyard-middleware.js'
export {
  BudgetExceededError,
  isBudgetExceededError,
  createBudgetLedger,
  createBudgetGate,
  createSpendSource,
  type BudgetConfigInput,
  type BudgetLedger,
  type BudgetDecision,
} from './budget/index.js'
