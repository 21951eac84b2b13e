import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api'
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
  return { ...scope, otelContext: trace.setSpan(parentContext(scope), span), anchorSpanId }
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
    tags: { ...outer.tags, ...options.tags },
  }
  return runInSpan({
    spanName: `invoke_workflow ${name}`,
    attributes: {
      [genAi.operationName]: 'invoke_workflow',
      [genAi.workflowName]: name,
      [switchyardAttributes.workflowRunId]: runId,
      ...(scope.agent === undefined ? {} : { [genAi.agentName]: scope.agent }),
      ...tagAttributes(scope.tags),
    },
    scope,
    fn,
  })
}

/** Run `fn` as a step of the current workflow: a `step {name}` INTERNAL span. */
export function step<T>(name: string, fn: () => T): T {
  const outer = currentScope()
  const scope: CallScope = { ...outer, step: name }
  return runInSpan({
    spanName: `step ${name}`,
    attributes: {
      [switchyardAttributes.step]: name,
      ...(outer.workflow === undefined ? {} : { [genAi.workflowName]: outer.workflow }),
      ...(outer.workflowRunId === undefined ? {} : { [switchyardAttributes.workflowRunId]: outer.workflowRunId }),
    },
    scope,
    fn,
  })
}

export function tagAttributes(tags: Readonly<Record<string, string>>): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const [key, value] of Object.entries(tags)) attributes[`${switchyardAttributes.tagPrefix}${key}`] = value
  return attributes
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
  const inner: CallScope = { ...scope, otelContext: spanContext, anchorSpanId: span?.spanContext().spanId }
  const end = (error?: unknown): void => {
    if (span === undefined) return
    try {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error))
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
      }
      span.end()
    } catch {
      // see above
    }
  }
  let result: T
  try {
    result = storage.run(inner, () => otelContext.with(spanContext, fn))
  } catch (error) {
    end(error)
    throw error
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        end()
        return value
      },
      (error: unknown) => {
        end(error)
        throw error
      },
    ) as T
  }
  end()
  return result
}

function withScopeBaggage(parent: Context, scope: CallScope): Context {
  let baggage = propagation.getBaggage(parent) ?? propagation.createBaggage()
  if (scope.workflow !== undefined) baggage = baggage.setEntry(baggageKeys.workflow, { value: scope.workflow })
  if (scope.workflowRunId !== undefined) baggage = baggage.setEntry(baggageKeys.runId, { value: scope.workflowRunId })
  if (scope.step !== undefined) baggage = baggage.setEntry(baggageKeys.step, { value: scope.step })
  for (const [key, value] of Object.entries(scope.tags)) baggage = baggage.setEntry(`${baggageKeys.tagPrefix}${key}`, { value })
  return propagation.setBaggage(parent, baggage)
}
