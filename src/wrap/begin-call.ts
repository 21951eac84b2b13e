import { diag } from '@opentelemetry/api'
import { SwitchyardError } from '../errors/switchyard-error.js'
import { estimateCutStreamUsage } from '../pricing/estimate-cut-stream-usage.js'
import { priceCall, type PriceResult } from '../pricing/price-call.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { PartialOutput } from '../model-call/partial-output.js'
import type { Usage } from '../model-call/usage.js'
import { genAi } from '../telemetry/attribute-names.js'
import { recordBudgetRefusal } from '../telemetry/budget-refusal-span.js'
import { exportedSpanId, startModelCallSpan, type ModelCallSpan } from '../telemetry/model-call-span.js'
import { currentScope, scopeWithDefaultTags, type CallScope } from '../telemetry/workflow-context.js'
import type { CallBudgetQuery } from './call-budget-gate.js'
import { callWorstCase } from './call-worst-case.js'
import { promptTokens } from './prompt-tokens.js'
import { refuseUnpricedModel } from './refuse-unpriced-model.js'
import { sdkErrorType } from './sdk-error-type.js'
import type { WrapSettings } from './wrap-settings.js'

/** One call as the instrumented method was asked to make it. */
export interface CallDescription {
  operation: 'chat' | 'embeddings'
  model: string
  /** The request names no model (a stored Responses prompt): `model` is a placeholder until the answer names one. */
  modelUnnamed?: boolean
  /** The service tier the request asks for: the budget reserves at its prices, and a call whose answer names no tier is priced at them. */
  serviceTier?: string
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
  result?: ModelCallResult
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
 * step, tags) of the caller, the refusal of an unpriced model under the price
 * table's `block` policy (PriceUnknownError), the budget decision at the worst
 * case of the requested service tier, which throws to block the call, and the
 * `chat {model}` span. Nothing but those two refusals may throw here: a
 * recording failure is logged through the OTel diagnostics logger and the call
 * goes on without a record.
 *
 * With shared budgets (Redis) the decision also carries an admission, the atomic
 * check across processes: then the recorder comes as a promise, once the call is
 * admitted, and the caller must not send the request before. It rejects with the
 * refusal (recorded as the synchronous one is), and then nothing was opened.
 */
export function beginCall(settings: WrapSettings, call: CallDescription): CallRecorder | Promise<CallRecorder> {
  const scope = scopeWithDefaultTags(currentScope(), settings.tags)
  const at = new Date()
  refuseUnpricedModel({ table: settings.priceTable, provider: settings.providerName, model: call.modelUnnamed === true ? undefined : call.model, at })
  const decision = decideOrRecordRefusal(settings, call, scope, at)
  const admission = decision?.admission
  if (admission === undefined) return openRecord(settings, call, scope, decision)
  return Promise.resolve(admission).then(() => openRecord(settings, call, scope, decision), (error: unknown) => {
    recordRefusal(settings, call, scope, error)
    throw error
  })
}

function openRecord(settings: WrapSettings, call: CallDescription, scope: CallScope, decision: BudgetDecision | undefined): CallRecorder {
  try {
    return new CallRecord({ settings, call, scope, decision })
  } catch (error) {
    diag.warn(`switchyard: cannot record a ${call.operation} call: ${String(error)}`)
    return releaseOnly(decision)
  }
}

/**
 * The budget's decision; a refusal throws on to the caller, recorded first as the
 * router records its own (a `route` span with the block), so a refused SDK call
 * shows in reports beside refused routed requests. The route is `provider/model`.
 */
function decideOrRecordRefusal(settings: WrapSettings, call: CallDescription, scope: CallScope, at: Date): BudgetDecision | undefined {
  if (settings.budgets === undefined) return undefined
  try {
    return settings.budgets.decide(budgetQuery(settings, call, scope, at))
  } catch (error) {
    recordRefusal(settings, call, scope, error)
    throw error
  }
}

function recordRefusal(settings: WrapSettings, call: CallDescription, scope: CallScope, error: unknown): void {
  if (!SwitchyardError.isInstance(error) || error.code !== 'budget_exceeded') return
  const budget = (error as { budget?: unknown }).budget
  recordBudgetRefusal({ route: `${settings.providerName}/${call.model}`, scope, budget: typeof budget === 'string' ? budget : 'unknown', message: error.message })
}

/**
 * The record of one call: its span, open from the request on, and its budget
 * reservation, ended once, priced, when the call succeeds or fails. A class
 * rather than closures: one object per call on the path of every request.
 */
class CallRecord implements CallRecorder {
  readonly #settings: WrapSettings
  readonly #call: CallDescription
  readonly #decision: BudgetDecision | undefined
  readonly #span: ModelCallSpan
  readonly #started = performance.now()
  #ttftMs: number | undefined
  #ended = false

  constructor(options: { settings: WrapSettings; call: CallDescription; scope: CallScope; decision: BudgetDecision | undefined }) {
    const { settings, call, decision } = options
    this.#settings = settings
    this.#call = call
    this.#decision = decision
    this.#span = startModelCallSpan({
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
    try {
      this.#describeSpan()
    } catch (error) {
      diag.warn(`switchyard: cannot describe the span: ${String(error)}`)
    }
  }

  firstOutput(): void {
    if (this.#ttftMs === undefined) this.#ttftMs = performance.now() - this.#started
  }

  succeed(outcome: CallOutcome): void {
    if (this.#ended) return
    this.#ended = true
    let units: bigint | undefined
    try {
      const call = this.#call
      const span = this.#span
      const { result } = outcome
      const model = result?.model || outcome.model || call.model
      const usage = outcome.usage ?? estimateCutStreamUsage({ outputText: result?.text ?? '', inputTokens: promptTokens(call.prompt) })
      // The tier the answer names; else (a proxy that drops it) the one the request asked for.
      const priced = this.#price(model, usage, outcome.usage === undefined, result?.serviceTier ?? call.serviceTier)
      units = priced.costUnits
      if (result === undefined && outcome.model !== undefined) span.span?.setAttribute(genAi.responseModel, outcome.model)
      if (this.#settings.captureContent && result !== undefined) captureOutput(span, result)
      // The result already carries the usage when the provider reported it: no copy then.
      const recorded = result === undefined || result.usage === usage ? result : { ...result, usage }
      span.end({ result: recorded, usage, cost: priced, ttftMs: this.#ttftMs })
    } catch (error) {
      diag.warn(`switchyard: cannot end the span: ${String(error)}`)
    }
    this.#close(units)
  }

  fail(error: unknown, failure: { partial?: PartialOutput; errorType?: string } = {}): void {
    if (this.#ended) return
    this.#ended = true
    let units: bigint | undefined
    try {
      const { partial } = failure
      const priced = partial === undefined
        ? undefined
        : this.#price(this.#call.model, estimateCutStreamUsage({ partialUsage: partial.usage, outputText: partial.text, inputTokens: promptTokens(this.#call.prompt) }), true, this.#call.serviceTier)
      units = priced?.costUnits
      this.#span.end({ error, errorType: failure.errorType ?? sdkErrorType(error), usage: partial?.usage, cost: priced, ttftMs: this.#ttftMs })
    } catch (recordError) {
      diag.warn(`switchyard: cannot end the span: ${String(recordError)}`)
    }
    this.#close(units)
  }

  #describeSpan(): void {
    const call = this.#call
    const decision = this.#decision
    const span = this.#span.span
    if (decision?.attachSpan !== undefined) {
      const spanId = exportedSpanId(span)
      if (spanId !== undefined) decision.attachSpan(spanId)
    }
    if (call.operation !== 'chat') {
      span?.updateName(`${call.operation} ${call.model}`)
      span?.setAttribute(genAi.operationName, call.operation)
    }
    if (this.#settings.captureContent) span?.setAttribute(genAi.inputMessages, JSON.stringify(call.prompt))
  }

  /**
   * The price of the call, at the prices of `serviceTier` when the entry lists it and
   * under the table's unknown-model policy when it does not price the model; the
   * result is also the span's cost (`costUsd`, `source`, `priceVersion`).
   */
  #price(model: string, usage: Usage, estimated: boolean, serviceTier: string | undefined): PriceResult {
    const settings = this.#settings
    return priceCall({ table: settings.priceTable, provider: settings.providerName, model, usage, at: new Date(), estimated, serviceTier })
  }

  /** Still ends a span whose record failed, so nothing stays open, and gives back the reservation. */
  #close(units: bigint | undefined): void {
    try {
      this.#span.end({})
    } catch (error) {
      diag.warn(`switchyard: cannot end the span: ${String(error)}`)
    }
    release(this.#decision, units)
  }
}

function captureOutput(span: ModelCallSpan, result: ModelCallResult): void {
  span.span?.setAttribute(genAi.outputMessages, JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: result.text }] }]))
}

/**
 * What the budget gate is told of a call; made only when there is a gate, since
 * the prompt estimate and the worst case read the whole prompt.
 */
function budgetQuery(settings: WrapSettings, call: CallDescription, scope: CallScope, at: Date): CallBudgetQuery {
  const query: CallBudgetQuery = { scope, route: `${settings.providerName}/${call.model}`, provider: settings.providerName, model: call.model }
  const inputTokens = promptTokens(call.prompt)
  query.inputTokens = inputTokens
  if (call.serviceTier !== undefined) query.serviceTier = call.serviceTier
  if (call.maxTokens !== undefined) query.maxOutputTokens = call.maxTokens
  const worstCaseUnits = callWorstCase({
    table: settings.priceTable,
    provider: settings.providerName,
    model: call.model,
    inputTokens,
    maxOutputTokens: call.maxTokens,
    serviceTier: call.serviceTier,
    at,
  })
  if (worstCaseUnits !== undefined) query.worstCaseUnits = worstCaseUnits
  return query
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
  try {
    decision?.release(units)
  } catch (error) {
    diag.warn(`switchyard: cannot release the budget reservation: ${String(error)}`)
  }
}
