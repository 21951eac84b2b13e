import { diag, SpanKind, SpanStatusCode, TraceFlags, type Attributes, type Span } from '@opentelemetry/api'
import type { ModelCallRequest } from '../model-call/model-call-request.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Usage } from '../model-call/usage.js'
import { genAi, switchyardAttributes } from './attribute-names.js'
import type { CallCost } from './call-cost.js'
import { recordModelCallMetrics } from './model-call-metrics.js'
import { tracer, tracerRecords } from './tracer.js'
import { addTagAttributes, parentContext, type CallScope } from './workflow-context.js'

/** The budget decision taken before the call. */
export interface BudgetDecisionRecord {
  name: string
  action: 'allow' | 'warn' | 'downgrade' | 'block'
  spentUsd: string
  limitUsd: string
  shared?: 'unavailable'
}

/** `gen_ai.operation.name` of a provider call: a chat (or text) completion, or an embeddings call. */
export type ModelCallOperation = 'chat' | 'embeddings'

export interface StartModelCallSpanOptions {
  /** Default `chat`. An `embeddings {model}` span records input tokens only, and no stream flag. */
  operation?: ModelCallOperation
  /** The vector size an embeddings request asked for (`gen_ai.embeddings.dimension.count`). */
  dimensions?: number
  scope: CallScope
  providerName: string
  serverAddress: string
  serverPort: number
  request: ModelCallRequest
  stream: boolean
  route?: string
  attempt: number
  hedge?: boolean
  budget?: BudgetDecisionRecord
  /** Record prompt and completion text: the router's or client's own `captureMessageContent`, off by default. */
  captureContent: boolean
}

export interface EndModelCallOptions {
  result?: ModelCallResult
  /** The model that answered, for a call without a chat result (embeddings). */
  responseModel?: string
  /** Usage seen, for a failed or cut call (the tokens of a cut stream still count). */
  usage?: Usage
  error?: unknown
  errorType?: string
  cost?: CallCost
  ttftMs?: number
}

/** One `chat {model}` (or `embeddings {model}`) CLIENT span, ended exactly once. */
export interface ModelCallSpan {
  readonly span: Span | undefined
  addEvent(name: string, attributes?: Attributes): void
  end(options: EndModelCallOptions): void
}

/**
 * The id of a span that will reach the store: a sampled span. An unsampled span has
 * an id too, but it is never exported, so a budget waiting for it would wait in vain.
 */
export function exportedSpanId(span: Span | undefined): string | undefined {
  const context = span?.spanContext()
  if (context === undefined || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined
  return context.spanId
}

/**
 * Start the span of one provider call with every request-side attribute of
 * DESIGN.md. Recording problems are logged through the OTel diagnostics logger and
 * never reach the caller: a call without a span is still a call.
 */
export function startModelCallSpan(options: StartModelCallSpanOptions): ModelCallSpan {
  const started = performance.now()
  let span: Span | undefined
  try {
    span = tracer().startSpan(`${options.operation ?? 'chat'} ${options.request.model}`, {
      kind: SpanKind.CLIENT,
      attributes: tracerRecords() ? requestAttributes(options) : undefined,
    }, parentContext(options.scope))
  } catch (error) {
    diag.warn(`switchyard: cannot start a model-call span: ${String(error)}`)
  }
  let ended = false
  return {
    span,
    addEvent(name, attributes) {
      try {
        span?.addEvent(name, attributes)
      } catch (error) {
        diag.warn(`switchyard: cannot add span event ${name}: ${String(error)}`)
      }
    },
    end(endOptions) {
      if (ended) return
      ended = true
      try {
        const usage = endOptions.result?.usage ?? endOptions.usage
        if (span?.isRecording() === true) span.setAttributes(responseAttributes(endOptions, usage, options.operation === 'embeddings'))
        if (endOptions.error !== undefined) {
          const message = endOptions.error instanceof Error ? endOptions.error.message : String(endOptions.error)
          span?.setStatus({ code: SpanStatusCode.ERROR, message })
        }
        if (options.captureContent && endOptions.result !== undefined) {
          span?.setAttribute(genAi.outputMessages, JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: endOptions.result.text }] }]))
        }
        span?.end()
        recordModelCallMetrics({
          operation: options.operation,
          providerName: options.providerName,
          requestModel: options.request.model,
          responseModel: endOptions.result?.model ?? endOptions.responseModel,
          serverAddress: options.serverAddress,
          errorType: endOptions.error === undefined ? undefined : (endOptions.errorType ?? '_OTHER'),
          durationSeconds: (performance.now() - started) / 1000,
          usage,
          cost: endOptions.cost,
        })
      } catch (error) {
        diag.warn(`switchyard: cannot record a model-call span: ${String(error)}`)
      }
    },
  }
}

function requestAttributes(options: StartModelCallSpanOptions): Attributes {
  const { scope, request } = options
  const attributes: Attributes = {
    [genAi.operationName]: options.operation ?? 'chat',
    [genAi.providerName]: options.providerName,
    [genAi.requestModel]: request.model,
    [genAi.serverAddress]: options.serverAddress,
    [genAi.serverPort]: options.serverPort,
    [switchyardAttributes.attempt]: options.attempt,
  }
  if (options.operation === 'embeddings') {
    if (options.dimensions !== undefined) attributes[genAi.embeddingsDimensionCount] = options.dimensions
  } else {
    attributes[genAi.requestStream] = options.stream
  }
  // Added in place, not spread in: on Node 20 a spread followed by more properties takes a slow path.
  addTagAttributes(attributes, scope.tags)
  if (request.maxTokens !== undefined) attributes[genAi.requestMaxTokens] = request.maxTokens
  if (request.temperature !== undefined) attributes[genAi.requestTemperature] = request.temperature
  if (request.topP !== undefined) attributes[genAi.requestTopP] = request.topP
  if (scope.workflow !== undefined) attributes[genAi.workflowName] = scope.workflow
  if (scope.workflowRunId !== undefined) attributes[switchyardAttributes.workflowRunId] = scope.workflowRunId
  if (scope.agent !== undefined) attributes[genAi.agentName] = scope.agent
  if (scope.step !== undefined) attributes[switchyardAttributes.step] = scope.step
  if (options.route !== undefined) attributes[switchyardAttributes.route] = options.route
  if (options.hedge === true) attributes[switchyardAttributes.hedge] = true
  if (options.budget !== undefined) {
    attributes[switchyardAttributes.budgetName] = options.budget.name
    attributes[switchyardAttributes.budgetAction] = options.budget.action
    attributes[switchyardAttributes.budgetSpentUsd] = options.budget.spentUsd
    attributes[switchyardAttributes.budgetLimitUsd] = options.budget.limitUsd
    if (options.budget.shared !== undefined) attributes[switchyardAttributes.budgetShared] = options.budget.shared
  }
  if (options.captureContent) attributes[genAi.inputMessages] = JSON.stringify(request.messages)
  return attributes
}

function responseAttributes(options: EndModelCallOptions, usage: Usage | undefined, inputOnly: boolean): Attributes {
  const attributes: Attributes = {}
  const { result } = options
  if (options.responseModel !== undefined && result === undefined) attributes[genAi.responseModel] = options.responseModel
  if (result !== undefined) {
    attributes[genAi.responseModel] = result.model
    attributes[genAi.responseId] = result.id
    attributes[genAi.responseFinishReasons] = [result.rawFinishReason || result.finishReason]
    if (result.serviceTier !== undefined) attributes[switchyardAttributes.serviceTier] = result.serviceTier
    if (result.droppedRequestFields !== undefined) attributes[switchyardAttributes.requestDropped] = JSON.stringify(result.droppedRequestFields)
  }
  if (usage !== undefined && inputOnly) {
    attributes[genAi.usageInputTokens] = usage.inputTokens
  } else if (usage !== undefined) {
    attributes[genAi.usageInputTokens] = usage.inputTokens
    attributes[genAi.usageOutputTokens] = usage.outputTokens
    attributes[genAi.usageCacheReadInputTokens] = usage.cacheReadInputTokens
    attributes[genAi.usageCacheWriteInputTokens] = usage.cacheWriteInputTokens
    attributes[genAi.usageReasoningOutputTokens] = usage.reasoningOutputTokens
  }
  if (options.cost !== undefined) {
    attributes[switchyardAttributes.costUsd] = options.cost.costUsd
    attributes[switchyardAttributes.costSource] = options.cost.source
    if (options.cost.priceVersion !== undefined) attributes[switchyardAttributes.priceVersion] = options.cost.priceVersion
  }
  if (options.ttftMs !== undefined) attributes[switchyardAttributes.ttftMs] = Math.round(options.ttftMs * 1000) / 1000
  if (options.error !== undefined) attributes[genAi.errorType] = options.errorType ?? '_OTHER'
  return attributes
}
