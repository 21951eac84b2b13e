import type { Store } from '../store/create-store.js'
import { nanosToMs, trimUsd } from './list-runs.js'
import { readRunSpans, type CallRow, type SpanRow } from './read-run-spans.js'
import { round, runCriticalPath, type RunCriticalPathView } from './run-critical-path.js'
import { addVirtualSteps } from './virtual-steps.js'
import { waterfallKindOf as kindOf, type WaterfallKind } from './waterfall-kind.js'

/** Attributes shown per span at most; the rest are counted. */
const maxAttributes = 200

export type { WaterfallKind } from './waterfall-kind.js'

/** A model call's figures on its bar. `attemptKind` says what a later attempt was. */
export interface WaterfallCall {
  provider: string
  model: string
  responseModel: string
  attempt: number
  attemptKind: 'first' | 'retry' | 'fallback'
  inputTokens: number
  outputTokens: number
  costUsd: string
  costSource: string
  ttftMs: number | null
  errorType: string
}

/** One bar: times in ms from the run's start. */
export interface WaterfallSpan {
  id: string
  parentId: string
  depth: number
  kind: WaterfallKind
  name: string
  startMs: number
  durationMs: number
  status: string
  statusMessage: string
  /** A step on the run's critical path. */
  critical: boolean
  /** A step row made from its calls' `switchyard.step` (the run has no step spans; see addVirtualSteps). */
  virtual: boolean
  budgetAction: string
  call?: WaterfallCall
  attributes: Record<string, string>
  omittedAttributes: number
}

export interface RunWaterfall {
  /** A run without a workflow span spans its first span's start to its last span's end. */
  run: { runId: string; workflow: string; startMs: number; durationMs: number; status: string; hasWorkflowSpan: boolean }
  /** True when the step rows are virtual: grouped from the calls' `switchyard.step`. */
  stepsFromCalls: boolean
  totals: { calls: number; costUsd: string; inputTokens: number; outputTokens: number; errors: number; retries: number; fallbacks: number; refused: number }
  criticalPath: RunCriticalPathView
  spans: WaterfallSpan[]
  omittedSpans: number
}

/**
 * One run's waterfall: workflow → steps → routes → model calls on one time axis,
 * with each call's figures, what each later attempt was, the critical path and the
 * totals. Undefined when the store holds no span of the run.
 */
export async function runWaterfall(options: { store: Store; runId: string }): Promise<RunWaterfall | undefined> {
  const data = await readRunSpans(options)
  if (data.spans.length === 0) return undefined
  const workflowSpan = data.spans.find((span) => kindOf(span) === 'workflow')
  const originNs = workflowSpan === undefined ? minBigInt(data.spans.map((span) => BigInt(span.startNs))) : BigInt(workflowSpan.startNs)
  const offsetMs = (nanos: string): number => Number(BigInt(nanos) - originNs) / 1e6
  const callsBySpan = new Map(data.calls.map((call) => [call.SpanId, call]))
  const endMs = Math.max(...data.spans.map((span) => offsetMs(span.startNs) + Number(span.durationNs) / 1e6))
  const runMs = workflowSpan === undefined ? endMs : Number(workflowSpan.durationNs) / 1e6
  const { spans: withSteps, virtualStepIds } = addVirtualSteps(data.spans)
  const critical = runCriticalPath({ spans: withSteps, virtualStepIds, offsetMs, runMs })
  const onPath = new Set(critical.steps.filter((step) => step.criticalMs > 0).map((step) => step.step))
  const spans = orderAsTree(withSteps).map(({ span, depth }): WaterfallSpan => {
    const kind = kindOf(span)
    const { shown, omitted } = boundAttributes(span.attributes)
    const bar: WaterfallSpan = {
      id: span.SpanId,
      parentId: span.ParentSpanId,
      depth,
      kind,
      name: span.SpanName,
      startMs: round(offsetMs(span.startNs)),
      durationMs: round(Number(span.durationNs) / 1e6),
      status: span.StatusCode,
      statusMessage: span.StatusMessage,
      critical: kind === 'step' && onPath.has(span.attributes['switchyard.step'] ?? span.SpanName.slice('step '.length)),
      virtual: virtualStepIds.has(span.SpanId),
      budgetAction: span.attributes['switchyard.budget.action'] ?? '',
      attributes: shown,
      omittedAttributes: omitted,
    }
    const call = callsBySpan.get(span.SpanId)
    if (call !== undefined) bar.call = toWaterfallCall(call)
    return bar
  })
  markAttemptKinds(spans)
  const totals = data.totals
  return {
    run: {
      runId: options.runId,
      workflow: workflowSpan?.attributes['gen_ai.workflow.name'] ?? data.spans[0]?.attributes['gen_ai.workflow.name'] ?? '',
      startMs: nanosToMs(originNs.toString()),
      durationMs: round(runMs),
      status: workflowSpan?.StatusCode ?? '',
      hasWorkflowSpan: workflowSpan !== undefined,
    },
    stepsFromCalls: virtualStepIds.size > 0,
    totals: {
      calls: totals?.calls ?? 0,
      costUsd: trimUsd(totals?.costUsd ?? '0'),
      inputTokens: totals?.inputTokens ?? 0,
      outputTokens: totals?.outputTokens ?? 0,
      errors: totals?.errors ?? 0,
      retries: totals?.retries ?? 0,
      fallbacks: totals?.fallbacks ?? 0,
      refused: spans.filter((span) => span.kind === 'route' && span.budgetAction === 'block' && span.status === 'Error').length,
    },
    criticalPath: critical,
    spans,
    omittedSpans: data.omittedSpans,
  }
}

/** Depth-first, children by start time; spans whose parent is not in the run are roots. */
function orderAsTree(spans: readonly SpanRow[]): { span: SpanRow; depth: number }[] {
  const ids = new Set(spans.map((span) => span.SpanId))
  const children = new Map<string, SpanRow[]>()
  const roots: SpanRow[] = []
  for (const span of spans) {
    if (span.ParentSpanId === '' || !ids.has(span.ParentSpanId) || span.ParentSpanId === span.SpanId) roots.push(span)
    else children.set(span.ParentSpanId, [...(children.get(span.ParentSpanId) ?? []), span])
  }
  const ordered: { span: SpanRow; depth: number }[] = []
  const visited = new Set<string>()
  const stack = [...sortByStart(roots)].reverse().map((span) => ({ span, depth: 0 }))
  // Each span is visited once, so a cycle in hostile parent ids cannot loop.
  while (stack.length > 0) {
    const next = stack.pop()!
    if (visited.has(next.span.SpanId)) continue
    visited.add(next.span.SpanId)
    ordered.push(next)
    const kids = sortByStart(children.get(next.span.SpanId) ?? [])
    for (let index = kids.length - 1; index >= 0; index--) stack.push({ span: kids[index]!, depth: next.depth + 1 })
  }
  return ordered
}

function sortByStart(spans: readonly SpanRow[]): SpanRow[] {
  return [...spans].sort((left, right) => {
    const difference = BigInt(left.startNs) - BigInt(right.startNs)
    return difference < 0n ? -1 : difference > 0n ? 1 : 0
  })
}

/**
 * Within each parent, attempts in order: a later attempt on the previous target is a
 * retry, on another a fallback, and one whose previous attempt is not shown (past the
 * span limit) a retry, as the report's rule (src/report/later-attempts-sql.ts) counts it.
 */
function markAttemptKinds(spans: WaterfallSpan[]): void {
  const byParent = new Map<string, WaterfallSpan[]>()
  for (const span of spans) {
    if (span.call === undefined || span.call.attempt === 0) continue
    byParent.set(span.parentId, [...(byParent.get(span.parentId) ?? []), span])
  }
  for (const attempts of byParent.values()) {
    attempts.sort((left, right) => left.call!.attempt - right.call!.attempt)
    attempts.forEach((span, index) => {
      const previous = attempts[index - 1]?.call
      const call = span.call!
      if (call.attempt <= 1) return
      call.attemptKind = previous === undefined || `${previous.provider}/${previous.model}` === `${call.provider}/${call.model}` ? 'retry' : 'fallback'
    })
  }
}

function toWaterfallCall(call: CallRow): WaterfallCall {
  return {
    provider: call.Provider,
    model: call.RequestModel,
    responseModel: call.ResponseModel,
    attempt: call.Attempt,
    attemptKind: 'first',
    inputTokens: call.InputTokens,
    outputTokens: call.OutputTokens,
    costUsd: trimUsd(call.costUsd),
    costSource: call.CostSource,
    ttftMs: call.TtftMs,
    errorType: call.ErrorType,
  }
}

function boundAttributes(attributes: Record<string, string>): { shown: Record<string, string>; omitted: number } {
  const keys = Object.keys(attributes).sort()
  const shown: Record<string, string> = {}
  for (const key of keys.slice(0, maxAttributes)) shown[key] = attributes[key]!
  return { shown, omitted: Math.max(0, keys.length - maxAttributes) }
}

function minBigInt(values: readonly bigint[]): bigint {
  return values.reduce((least, value) => (value < least ? value : least))
}
