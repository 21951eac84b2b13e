import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Baggage, type Context, type Span } from '@opentelemetry/api'
import { genAi, switchyardAttributes } from './attribute-names.js'
import { tracer } from './tracer.js'

/** Where a call is made from: the workflow run and step around it, and their tags. */
export interface CallScope {
  workflow?: string
  workflowRunId?: string
  step?: string
  agent?: string
  tags: Readonly<Record<string, string>>
  /** The OpenTelemetry context of the innermost workflow/step/route span, as a parent for calls. */
  otelContext?: Context
  /**
   * The span that was active when `otelContext` was made. While it is still the
   * active span, nothing newer was opened in between and `otelContext` is the
   * parent; if the app opened a span of its own inside, that one is.
   */
  anchorSpanId?: string
}

export interface WorkflowOptions {
  /** Reporting tags (tenant, user, feature ...), recorded as `switchyard.tag.<key>` on every call inside. */
  tags?: Record<string, string>
  agent?: string
  /** Reuse a run id (e.g. one received from another service); a new one is made otherwise. */
  runId?: string
}

const storage = new AsyncLocalStorage<CallScope>()
const baggageKeys = { workflow: 'switchyard.workflow', runId: 'switchyard.workflow.run_id', step: 'switchyard.step', tagPrefix: 'switchyard.tag.' }

/**
 * The scope of the current call: switchyard's own async context first (it survives
 * `await`, timers and `Promise.all` even when the app registered no OpenTelemetry SDK,
 * whose default context manager forgets everything), then OpenTelemetry baggage, so a
 * service called over HTTP with W3C `baggage` headers inherits the caller's workflow.
 */
export function currentScope(): CallScope {
  const own = storage.getStore()
  if (own !== undefined) return own
  const baggage = propagation.getBaggage(otelContext.active())
  if (baggage === undefined) return { tags: {} }
  const tags: Record<string, string> = {}
  for (const [key, entry] of baggage.getAllEntries()) {
    if (key.startsWith(baggageKeys.tagPrefix)) tags[key.slice(baggageKeys.tagPrefix.length)] = entry.value
  }
  return {
    workflow: baggage.getEntry(baggageKeys.workflow)?.value,
    workflowRunId: baggage.getEntry(baggageKeys.runId)?.value,
    step: baggage.getEntry(baggageKeys.step)?.value,
    tags,
  }
}

/**
 * The parent for a new span. Ours (workflow, step or route) unless the app opened a
 * span of its own inside it, which its context manager then reports as active.
 * Without a context manager nothing is ever active, and ours still holds.
 */
export function parentContext(scope: CallScope = currentScope()): Context {
  const active = otelContext.active()
  if (scope.otelContext === undefined) return active
  const activeSpan = trace.getSpan(active)
  if (activeSpan === undefined || activeSpan.spanContext().spanId === scope.anchorSpanId) return scope.otelContext
  return active
}

/** A scope whose calls are children of `span` (the router's `route` span). */
export function scopeWithParent(scope: CallScope, span: Span): CallScope {
  const anchorSpanId = trace.getSpan(otelContext.active())?.spanContext().spanId
  return scopeInContext(scope, trace.setSpan(parentContext(scope), span), anchorSpanId)
}

/** A scope with more reporting tags (a call's own, on top of its workflow's). */
export function scopeWithTags(scope: CallScope, tags: Readonly<Record<string, string>>): CallScope {
  // Not `{ ...scope, tags }`: see scopeInContext.
  const tagged: CallScope = Object.assign({}, scope)
  tagged.tags = mergedTags(scope.tags, tags)
  return tagged
}

/**
 * A scope whose tags are `defaults` under its own (an instrumented client's default
 * tags); the scope itself when there are none.
 */
export function scopeWithDefaultTags(scope: CallScope, defaults: Readonly<Record<string, string>>): CallScope {
  if (isEmpty(defaults)) return scope
  // Not `{ ...scope, tags }`: see scopeInContext.
  const tagged: CallScope = Object.assign({}, scope)
  tagged.tags = mergedTags(defaults, scope.tags)
  return tagged
}

/**
 * `{ ...tags, ...more }`, which is slow when `more` adds keys (see scopeInContext):
 * usually one side is empty, and a plain copy of the other is the same object.
 * Spread rather than assigned, so that a tag named like an Object property stays a tag.
 */
function mergedTags(tags: Readonly<Record<string, string>>, more: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (more === undefined || isEmpty(more)) return { ...tags }
  if (isEmpty(tags)) return { ...more }
  return { ...tags, ...more }
}

function isEmpty(record: Readonly<Record<string, string>>): boolean {
  for (const _key in record) return false
  return true
}

/**
 * `{ ...scope, otelContext, anchorSpanId }`, written so that it stays cheap: on Node 20
 * a spread followed by properties the source lacks takes a slow path of several µs,
 * and a scope is made for every call, workflow and step.
 */
function scopeInContext(scope: CallScope, context: Context, anchorSpanId: string | undefined): CallScope {
  const inner: CallScope = Object.assign({}, scope)
  inner.otelContext = context
  inner.anchorSpanId = anchorSpanId
  return inner
}

/**
 * Run `fn` as one run of a workflow: an `invoke_workflow {name}` INTERNAL span, and
 * every model call inside is tagged with the workflow, its run id and tags.
 */
export function workflow<T>(name: string, fn: () => T): T
export function workflow<T>(name: string, options: WorkflowOptions, fn: () => T): T
export function workflow<T>(name: string, optionsOrFn: WorkflowOptions | (() => T), maybeFn?: () => T): T {
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn
  if (fn === undefined) throw new TypeError('workflow(name, [options], fn): fn is required')
  const outer = currentScope()
  const runId = options.runId ?? randomUUID()
  const scope: CallScope = {
    workflow: name,
    workflowRunId: runId,
    agent: options.agent ?? outer.agent,
    tags: mergedTags(outer.tags, options.tags),
  }
  const attributes: Record<string, string> = {
    [genAi.operationName]: 'invoke_workflow',
    [genAi.workflowName]: name,
    [switchyardAttributes.workflowRunId]: runId,
  }
  if (scope.agent !== undefined) attributes[genAi.agentName] = scope.agent
  addTagAttributes(attributes, scope.tags)
  return runInSpan({ spanName: `invoke_workflow ${name}`, attributes, scope, fn })
}

/** Run `fn` as a step of the current workflow: a `step {name}` INTERNAL span. */
export function step<T>(name: string, fn: () => T): T {
  const outer = currentScope()
  // Not `{ ...outer, step: name }`: see scopeInContext.
  const scope: CallScope = Object.assign({}, outer)
  scope.step = name
  const attributes: Record<string, string> = { [switchyardAttributes.step]: name }
  if (outer.workflow !== undefined) attributes[genAi.workflowName] = outer.workflow
  if (outer.workflowRunId !== undefined) attributes[switchyardAttributes.workflowRunId] = outer.workflowRunId
  return runInSpan({ spanName: `step ${name}`, attributes, scope, fn })
}

/** Add `switchyard.tag.<key>` for every tag to `attributes`. */
export function addTagAttributes(attributes: Record<string, unknown>, tags: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(tags)) attributes[`${switchyardAttributes.tagPrefix}${key}`] = tags[key]
}

function runInSpan<T>(options: { spanName: string; attributes: Record<string, string>; scope: CallScope; fn: () => T }): T {
  const { spanName, attributes, scope, fn } = options
  let span: Span | undefined
  let spanContext: Context = parentContext()
  try {
    span = tracer().startSpan(spanName, { kind: SpanKind.INTERNAL, attributes }, spanContext)
    spanContext = withScopeBaggage(trace.setSpan(spanContext, span), scope)
  } catch {
    // Telemetry never breaks the caller: without a span the workflow still runs.
  }
  const inner = scopeInContext(scope, spanContext, span?.spanContext().spanId)
  let result: T
  try {
    result = storage.run(inner, () => otelContext.with(spanContext, fn))
  } catch (error) {
    endSpan(span, error)
    throw error
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        endSpan(span)
        return value
      },
      (error: unknown) => {
        endSpan(span, error)
        throw error
      },
    ) as T
  }
  endSpan(span)
  return result
}

function endSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return
  try {
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    }
    span.end()
  } catch {
    // Telemetry never breaks the caller.
  }
}

function withScopeBaggage(parent: Context, scope: CallScope): Context {
  let baggage = propagation.getBaggage(parent) ?? propagation.createBaggage()
  if (scope.workflow !== undefined) baggage = withEntry(baggage, baggageKeys.workflow, scope.workflow)
  if (scope.workflowRunId !== undefined) baggage = withEntry(baggage, baggageKeys.runId, scope.workflowRunId)
  if (scope.step !== undefined) baggage = withEntry(baggage, baggageKeys.step, scope.step)
  for (const key of Object.keys(scope.tags)) baggage = withEntry(baggage, `${baggageKeys.tagPrefix}${key}`, scope.tags[key]!)
  return propagation.setBaggage(parent, baggage)
}

/**
 * The baggage with `key` set to `value`. Each `setEntry` copies every entry, and a step
 * inherits its workflow's entries unchanged: an entry that already says exactly this is kept.
 */
function withEntry(baggage: Baggage, key: string, value: string): Baggage {
  const entry = baggage.getEntry(key)
  if (entry !== undefined && entry.value === value && entry.metadata === undefined) return baggage
  return baggage.setEntry(key, { value })
}
