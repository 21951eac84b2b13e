/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions, and
 * switchyard's own under `switchyard.` (DESIGN.md fixes both lists).
 */
export const genAi = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestStream: 'gen_ai.request.stream',
  /** The `dimensions` an embeddings request asked for. */
  embeddingsDimensionCount: 'gen_ai.embeddings.dimension.count',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheWriteInputTokens: 'gen_ai.usage.cache_write.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  workflowName: 'gen_ai.workflow.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
} as const

export const switchyardAttributes = {
  step: 'switchyard.step',
  route: 'switchyard.route',
  attempt: 'switchyard.attempt',
  costUsd: 'switchyard.cost.usd',
  costSource: 'switchyard.cost.source',
  priceVersion: 'switchyard.price.version',
  ttftMs: 'switchyard.ttft_ms',
  workflowRunId: 'switchyard.workflow.run_id',
  skippedTargets: 'switchyard.route.skipped',
  hedge: 'switchyard.hedge',
  budgetName: 'switchyard.budget.name',
  budgetSpentUsd: 'switchyard.budget.spent_usd',
  budgetLimitUsd: 'switchyard.budget.limit_usd',
  budgetAction: 'switchyard.budget.action',
  /** `unavailable` when shared budgets could not reach Redis and the call was decided in its process alone. */
  budgetShared: 'switchyard.budget.shared',
  /** The service tier the provider says served the call (`default`, `flex`, `priority`, `standard`, `batch`, ...). */
  serviceTier: 'switchyard.service_tier',
  /** JSON list of request fields the adapter left out because the model refuses them (e.g. `["top_p"]`). */
  requestDropped: 'switchyard.request.dropped',
  tagPrefix: 'switchyard.tag.',
} as const
