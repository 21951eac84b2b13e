import { criticalPathOfRun, type StepInterval } from '../report/critical-path-of-run.js'
import type { SpanRow } from './read-run-spans.js'
import { waterfallKindOf } from './waterfall-kind.js'

/**
 * This run's critical path through its steps (see criticalPathOfRun in src/report):
 * each step's time on it and its share of this run's duration (the shares and
 * `outsideShare` add up to 1), its wall time, the time it ran in parallel with other
 * work, and of that the time two or more of its own requests ran at once.
 */
export interface RunCriticalPathView {
  runMs: number
  outsideMs: number
  outsideShare: number
  steps: { step: string; criticalMs: number; share: number; busyMs: number; overlapMs: number; parallelCallsMs: number }[]
}

/**
 * The critical path of one run. Its steps are its outermost step spans; a virtual
 * step (see addVirtualSteps) has no time of its own, so its requests are its
 * intervals. The requests of each step (route spans, and calls outside a route)
 * are passed too, so parallel calls inside a step are counted.
 */
export function runCriticalPath(options: {
  spans: readonly SpanRow[]
  virtualStepIds: ReadonlySet<string>
  offsetMs: (nanos: string) => number
  runMs: number
}): RunCriticalPathView {
  const { spans, virtualStepIds, offsetMs, runMs } = options
  const byId = new Map(spans.map((span) => [span.SpanId, span]))
  const stepName = (span: SpanRow): string => span.attributes['switchyard.step'] ?? span.SpanName.slice('step '.length)
  const interval = (step: string, span: SpanRow): StepInterval => {
    const startMs = offsetMs(span.startNs)
    return { step, startMs, endMs: startMs + Number(span.durationNs) / 1e6 }
  }
  /** The outermost step above a span; each span is looked at once, so a cycle in hostile parent ids ends. */
  const outerStep = (span: SpanRow): SpanRow | undefined => {
    let found: SpanRow | undefined
    const seen = new Set<string>()
    for (let current = byId.get(span.ParentSpanId); current !== undefined && !seen.has(current.SpanId); current = byId.get(current.ParentSpanId)) {
      seen.add(current.SpanId)
      if (waterfallKindOf(current) === 'step') found = current
    }
    return found
  }
  const requests: StepInterval[] = []
  for (const span of spans) {
    const kind = waterfallKindOf(span)
    const parent = byId.get(span.ParentSpanId)
    const isRequest = kind === 'route' || (kind === 'call' && (parent === undefined || waterfallKindOf(parent) !== 'route'))
    const step = isRequest ? outerStep(span) : undefined
    if (step !== undefined) requests.push(interval(stepName(step), span))
  }
  const stepSpans = spans.filter((span) => waterfallKindOf(span) === 'step')
  const stepIds = new Set(stepSpans.map((span) => span.SpanId))
  const intervals = virtualStepIds.size > 0
    ? requests
    : stepSpans.filter((span) => !stepIds.has(span.ParentSpanId)).map((span) => interval(stepName(span), span))
  const path = criticalPathOfRun({ startMs: 0, endMs: runMs }, intervals, requests)
  const share = (ms: number): number => (runMs > 0 ? round(ms / runMs, 6) : 0)
  const steps = [...path.steps].map(([step, time]) => ({
    step,
    criticalMs: round(time.criticalMs),
    share: share(time.criticalMs),
    busyMs: round(time.busyMs),
    overlapMs: round(time.overlapMs),
    parallelCallsMs: round(time.parallelCallsMs),
  })).sort((left, right) => right.criticalMs - left.criticalMs || left.step.localeCompare(right.step))
  return { runMs: round(runMs), outsideMs: round(path.outsideMs), outsideShare: share(path.outsideMs), steps }
}

export function round(value: number, places = 3): number {
  const factor = 10 ** places
  return Math.round(value * factor) / factor
}
