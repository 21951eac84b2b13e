import { criticalPathOfRun, type StepInterval } from '../report/critical-path-of-run.js'
import type { Store } from '../store/create-store.js'
import { nanosToMs, trimUsd } from './list-runs.js'
import { readRunSpans, type CallRow, type SpanRow } from './read-run-spans.js'

/** Attributes shown per span at most; the rest are counted. */
const maxAttributes = 200

export type WaterfallKind = 'workflow' | 'step' | 'route' | 'call' | 'other'

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
  budgetAction: string
  call?: WaterfallCall
  attributes: Record<string, string>
  omittedAttributes: number
}

export interface RunWaterfall {
  run: { runId: string; workflow: string; startMs: number; durationMs: number; status: string }
  totals: { calls: number; costUsd: string; inputTokens: number; outputTokens: number; errors: number; retries: number; fallbacks: number; refused: number }
  /**
   * This run's critical path through its steps (see criticalPathOfRun in src/report):
   * each step's time on it and its share of this run's duration; the shares and
   * `outsideShare` add up to 1.
   */
  criticalPath: { runMs: number; outsideMs: number; outsideShare: number; steps: { step: string; criticalMs: number; share: number; busyMs: number; overlapMs: number }[] }
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
  const critical = runCriticalPath(data.spans, offsetMs, runMs)
  const onPath = new Set(critical.steps.filter((step) => step.criticalMs > 0).map((step) => step.step))
  const spans = orderAsTree(data.spans).map(({ span, depth }): WaterfallSpan => {
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
      critical: kind === 'step' && onPath.has(span.attributes['switchyard.step'] ?? ''),
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
    },
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

function kindOf(span: SpanRow): WaterfallKind {
  if (span.SpanKind === 'Client' && span.attributes['gen_ai.operation.name'] !== undefined) return 'call'
  if (span.SpanKind !== 'Internal') return 'other'
  if (span.SpanName.startsWith('invoke_workflow ')) return 'workflow'
  if (span.SpanName.startsWith('step ')) return 'step'
  if (span.SpanName.startsWith('route ')) return 'route'
  return 'other'
}

/** The critical path of this run through its outermost step spans. */
function runCriticalPath(spans: readonly SpanRow[], offsetMs: (nanos: string) => number, runMs: number): RunWaterfall['criticalPath'] {
  const stepIds = new Set(spans.filter((span) => kindOf(span) === 'step').map((span) => span.SpanId))
  const intervals: StepInterval[] = spans
    .filter((span) => stepIds.has(span.SpanId) && !stepIds.has(span.ParentSpanId))
    .map((span) => ({ step: span.attributes['switchyard.step'] ?? span.SpanName.slice('step '.length), startMs: offsetMs(span.startNs), endMs: offsetMs(span.startNs) + Number(span.durationNs) / 1e6 }))
  const path = criticalPathOfRun({ startMs: 0, endMs: runMs }, intervals)
  const share = (ms: number): number => (runMs > 0 ? round(ms / runMs, 6) : 0)
  const steps = [...path.steps].map(([step, time]) => ({
    step,
    criticalMs: round(time.criticalMs),
    share: share(time.criticalMs),
    busyMs: round(time.busyMs),
    overlapMs: round(time.overlapMs),
  })).sort((left, right) => right.criticalMs - left.criticalMs || left.step.localeCompare(right.step))
  return { runMs: round(runMs), outsideMs: round(path.outsideMs), outsideShare: share(path.outsideMs), steps }
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

/** Within each parent, attempts in order: a later attempt on the previous target is a retry, on another a fallback. */
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
      if (previous === undefined || call.attempt <= 1) return
      call.attemptKind = `${previous.provider}/${previous.model}` === `${call.provider}/${call.model}` ? 'retry' : 'fallback'
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

function round(value: number, places = 3): number {
  const factor = 10 ** places
  return Math.round(value * factor) / factor
}
