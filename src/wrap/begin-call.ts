import { diag } from '@opentelemetry/api'
import { estimateCutStreamUsage } from '../pricing/estimate-cut-stream-usage.js'
import { charactersPerToken } from '../pricing/estimate-output-tokens.js'
import { priceCall } from '../pricing/price-call.js'
import type { PartialOutput } from '../providers/provider-error.js'
import type { ProviderResult, Usage } from '../providers/provider.js'
import { genAi } from '../telemetry/attribute-names.js'
import { exportedSpanId, startModelCallSpan, type CallCost, type EndModelCallOptions, type ModelCallSpan } from '../telemetry/model-call-span.js'
import { currentScope, type CallScope } from '../telemetry/workflow-context.js'
import { sdkErrorType } from './sdk-error-type.js'
import type { WrapSettings } from './wrap-settings.js'

/** One call as the instrumented method was asked to make it. */
export interface CallDescription {
  operation: 'chat' | 'embeddings'
  model: string
  stream: boolean
  maxTokens?: number
  temperature?: number
  topP?: number
  /** The prompt as sent (messages, input, system), for the input estimate of a cut call and opt-in capture. */
  prompt: unknown
}

/** How a call ended well. */
export interface CallOutcome {
  /** The normalized answer of a chat call. */
  result?: ProviderResult
  /** The model that answered, where there is no result (embeddings). */
  model?: string
  /** Usage as the provider reported it; absent when it reported none, and then estimated from the text. */
  usage?: Usage
}

/** Records one instrumented call. Every method is safe to call more than once; only the first end counts. */
export interface CallRecorder {
  /** The first text or tool-call delta of a stream arrived. */
  firstOutput(): void
  succeed(outcome: CallOutcome): void
  /** `partial` is what a stream delivered before it failed; a call that had begun to stream is billed for it. */
  fail(error: unknown, options?: { partial?: PartialOutput; errorType?: string }): void
}

type BudgetDecision = ReturnType<NonNullable<WrapSettings['budgets']>['decide']>

/**
 * Opens the record of one call, before its request is sent: the scope (workflow,
 * step, tags) of the caller, the budget decision, which throws to block the call,
 * and the `chat {model}` span. Nothing but the budget decision may throw here: a
 * recording failure is logged through the OTel diagnostics logger and the call
 * goes on without a record.
 */
export function beginCall(settings: WrapSettings, call: CallDescription): CallRecorder {
  const outer = currentScope()
  const scope: CallScope = { ...outer, tags: { ...settings.tags, ...outer.tags } }
  const decision = settings.budgets?.decide({
    scope,
    route: `${settings.providerName}/${call.model}`,
    provider: settings.providerName,
    model: call.model,
  })
  try {
    return openRecord({ settings, call, scope, decision })
  } catch (error) {
    diag.warn(`switchyard: cannot record a ${call.operation} call: ${String(error)}`)
    return releaseOnly(decision)
  }
}

function openRecord(options: { settings: WrapSettings; call: CallDescription; scope: CallScope; decision: BudgetDecision | undefined }): CallRecorder {
  const { settings, call, decision } = options
  const started = performance.now()
  const span = startModelCallSpan({
    scope: options.scope,
    providerName: settings.providerName,
    serverAddress: settings.server.address,
    serverPort: settings.server.port,
    request: { model: call.model, messages: [], maxTokens: call.maxTokens, temperature: call.temperature, topP: call.topP },
    stream: call.stream,
    attempt: 1,
    budget: decision?.record,
    // The prompt is not in the router's message shape; captured below in the SDK's own shape.
    captureContent: false,
  })
  guard('describe the span', () => {
    const spanId = exportedSpanId(span.span)
    if (spanId !== undefined) decision?.attachSpan?.(spanId)
    if (call.operation !== 'chat') {
      span.span?.updateName(`${call.operation} ${call.model}`)
      span.span?.setAttribute(genAi.operationName, call.operation)
    }
    if (settings.captureContent) span.span?.setAttribute(genAi.inputMessages, JSON.stringify(call.prompt))
  })
  let ttftMs: number | undefined
  let ended = false

  const price = (model: string, usage: Usage, estimated: boolean): { cost: CallCost; units: bigint } => {
    const priced = priceCall({ table: settings.priceTable, provider: settings.providerName, model, usage, at: new Date(), estimated })
    return { cost: { costUsd: priced.costUsd, source: priced.source, priceVersion: priced.priceVersion }, units: priced.costUnits }
  }
  const end = (record: () => { end: EndModelCallOptions; units?: bigint }): void => {
    if (ended) return
    ended = true
    let units: bigint | undefined
    guard('end the span', () => {
      const built = record()
      units = built.units
      span.end({ ...built.end, ttftMs: built.end.ttftMs ?? ttftMs })
    })
    // Still ends a span whose record failed, so nothing stays open.
    guard('end the span', () => span.end({}))
    release(decision, units)
  }

  return {
    firstOutput() {
      if (ttftMs === undefined) ttftMs = performance.now() - started
    },
    succeed(outcome) {
      end(() => {
        const model = outcome.result?.model || outcome.model || call.model
        const usage = outcome.usage ?? estimateCutStreamUsage({ outputText: outcome.result?.text ?? '', inputTokens: promptTokens(call.prompt) })
        const priced = price(model, usage, outcome.usage === undefined)
        if (outcome.result === undefined && outcome.model !== undefined) span.span?.setAttribute(genAi.responseModel, outcome.model)
        captureOutput(span, settings.captureContent, outcome.result)
        return { end: { result: outcome.result === undefined ? undefined : { ...outcome.result, usage }, usage, cost: priced.cost }, units: priced.units }
      })
    },
    fail(error, failure = {}) {
      end(() => {
        const { partial } = failure
        const priced = partial === undefined
          ? undefined
          : price(call.model, estimateCutStreamUsage({ partialUsage: partial.usage, outputText: partial.text, inputTokens: promptTokens(call.prompt) }), true)
        return {
          end: { error, errorType: failure.errorType ?? sdkErrorType(error), usage: partial?.usage, cost: priced?.cost },
          units: priced?.units,
        }
      })
    },
  }
}

function captureOutput(span: ModelCallSpan, capture: boolean, result: ProviderResult | undefined): void {
  if (!capture || result === undefined) return
  span.span?.setAttribute(genAi.outputMessages, JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: result.text }] }]))
}

/** A prompt's size in tokens, roughly, from its JSON text: only for pricing a call whose usage never came. */
function promptTokens(prompt: unknown): number {
  try {
    return Math.ceil((JSON.stringify(prompt) ?? '').length / charactersPerToken)
  } catch {
    return 0
  }
}

function releaseOnly(decision: BudgetDecision | undefined): CallRecorder {
  let released = false
  const once = (): void => {
    if (released) return
    released = true
    release(decision, undefined)
  }
  return { firstOutput: () => {}, succeed: once, fail: once }
}

function release(decision: BudgetDecision | undefined, units: bigint | undefined): void {
  guard('release the budget reservation', () => decision?.release(units))
}

function guard(what: string, action: () => void): void {
  try {
    action()
  } catch (error) {
    diag.warn(`switchyard: cannot ${what}: ${String(error)}`)
  }
}
