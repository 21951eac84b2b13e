import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { criticalPathOfRun, type RunCriticalPath, type StepInterval } from './critical-path-of-run.js'
import type { CriticalPathReport, CriticalPathStep } from './report-schema.js'
import { resolveReportWindow } from './report-window.js'

export interface CriticalPathOptions {
  store: Store
  workflow: string
  /** A duration back from now (`24h`); or give `from` (and `to`). Default: the last 24 hours. */
  since?: string
  from?: string | Date
  to?: string | Date
  /** The most recent runs analysed; older ones are counted in `omittedRuns`. Default 1000. */
  maxRuns?: number
  now?: Date
}

const defaultMaxRuns = 1_000
/** Step spans read per analysed run at most, on average. */
const stepsPerRunLimit = 200

const count = z.coerce.number()
const runRowSchema = z.object({ TraceId: z.string(), runId: z.string(), startNs: z.string(), durationNs: z.string(), runCount: count })
const stepRowSchema = z.object({ TraceId: z.string(), SpanId: z.string(), ParentSpanId: z.string(), runId: z.string(), step: z.string(), startNs: z.string(), durationNs: z.string(), stepCount: count })
const requestRowSchema = z.object({ TraceId: z.string(), ParentSpanId: z.string(), startNs: z.string(), durationNs: z.string(), requestCount: count })
type RunRow = z.infer<typeof runRowSchema>
type StepRow = z.infer<typeof stepRowSchema>
type RequestRow = z.infer<typeof requestRowSchema>

// The runs of the workflow: its `invoke_workflow {name}` spans in the window, newest first.
const runsInWindow = `SELECT TraceId, SpanAttributes['switchyard.workflow.run_id'] AS runId, Timestamp,
           toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs
    FROM otel_traces
    WHERE SpanName = {spanName:String} AND SpanKind = 'Internal'
      AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}
      AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
      AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
    ORDER BY Timestamp DESC`

const runsQuery = `SELECT TraceId, runId, startNs, durationNs, count() OVER () AS runCount
FROM (${runsInWindow})
ORDER BY Timestamp DESC
LIMIT {maxRuns:UInt32}`

// Their step spans (starting no earlier than the window: a step starts inside its run).
const stepsQuery = `SELECT TraceId, SpanId, ParentSpanId, SpanAttributes['switchyard.workflow.run_id'] AS runId,
       SpanAttributes['switchyard.step'] AS step,
       toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
       count() OVER () AS stepCount
FROM otel_traces
WHERE SpanKind = 'Internal' AND startsWith(SpanName, 'step ')
  AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}
  AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
  AND TraceId IN (SELECT TraceId FROM (${runsInWindow} LIMIT {maxRuns:UInt32}))
LIMIT {maxSteps:UInt32}`

// The requests made in those runs' steps: route spans, and model calls made outside a
// route; a call under a route is part of its request. Kept only when a step is the parent.
const requestsQuery = `SELECT TraceId, ParentSpanId,
       toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
       count() OVER () AS requestCount
FROM otel_traces
WHERE ((SpanKind = 'Internal' AND startsWith(SpanName, 'route ')) OR SpanKind = 'Client')
  AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}
  AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
  AND TraceId IN (SELECT TraceId FROM (${runsInWindow} LIMIT {maxRuns:UInt32}))
LIMIT {maxSteps:UInt32}`

/**
 * For one workflow: where its end-to-end time goes, from the `invoke_workflow` /
 * `step` span tree in `otel_traces`. Per run, each step's time on the critical
 * path (see criticalPathOfRun), its wall time and the part of it that ran in
 * parallel with other work (another step, or two of its own requests at once); then
 * averaged over the runs. Steps nested in a step are part of their outer step.
 * Shares are of the mean run: a step's mean critical milliseconds over the mean
 * run's milliseconds, so a share and its milliseconds always agree (a long run
 * weighs more than a short one, as its time does). Shares of all steps plus
 * `outsideStepsShare` add up to 1.
 */
export async function criticalPath(options: CriticalPathOptions): Promise<CriticalPathReport> {
  const window = resolveReportWindow({ since: options.since, from: options.from, to: options.to, now: options.now })
  const maxRuns = options.maxRuns ?? defaultMaxRuns
  const params = {
    spanName: `invoke_workflow ${options.workflow}`,
    workflow: options.workflow,
    fromMs: window.from.getTime(),
    toMs: window.to.getTime(),
    maxRuns,
    maxSteps: maxRuns * stepsPerRunLimit,
  }
  const [runs, steps, requests] = await Promise.all([
    queryRows(options.store, runsQuery, params, runRowSchema),
    queryRows(options.store, stepsQuery, params, stepRowSchema),
    queryRows(options.store, requestsQuery, params, requestRowSchema),
  ])
  const stepsByTrace = new Map<string, StepRow[]>()
  for (const step of steps) {
    const list = stepsByTrace.get(step.TraceId)
    if (list === undefined) stepsByTrace.set(step.TraceId, [step])
    else list.push(step)
  }
  const requestsByTrace = new Map<string, RequestRow[]>()
  for (const request of requests) {
    const list = requestsByTrace.get(request.TraceId)
    if (list === undefined) requestsByTrace.set(request.TraceId, [request])
    else list.push(request)
  }
  const perRun = runs.map((run) => analyseRun(run, stepsByTrace.get(run.TraceId) ?? [], requestsByTrace.get(run.TraceId) ?? []))
  const meanRunMs = mean(perRun.map((run) => run.runMs))
  const outsideStepsMs = mean(perRun.map((run) => run.outsideMs))
  return {
    kind: 'critical-path',
    workflow: options.workflow,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    runs: runs.length,
    meanRunMs: round(meanRunMs),
    steps: aggregateSteps(perRun, meanRunMs),
    outsideStepsMs: round(outsideStepsMs),
    outsideStepsShare: meanRunMs === 0 ? 0 : round(outsideStepsMs / meanRunMs, 6),
    omittedRuns: Math.max(0, (runs[0]?.runCount ?? 0) - runs.length),
    omittedStepSpans: Math.max(0, (steps[0]?.stepCount ?? 0) - steps.length),
    omittedRequestSpans: Math.max(0, (requests[0]?.requestCount ?? 0) - requests.length),
  }
}

async function queryRows<T>(store: Store, query: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T[]> {
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return (await result.json<unknown>()).map((row) => schema.parse(row))
}

function analyseRun(run: RunRow, traceSteps: readonly StepRow[], traceRequests: readonly RequestRow[]): RunCriticalPath {
  // Times relative to the run's start, in ms: a run is far shorter than the
  // 104 days of nanoseconds a double holds exactly.
  const origin = BigInt(run.startNs)
  const toMs = (nanos: bigint): number => Number(nanos - origin) / 1e6
  // A trace may hold several runs (a workflow called from another): match run ids when both have one.
  const own = traceSteps.filter((step) => run.runId === '' || step.runId === '' || step.runId === run.runId)
  const stepSpanIds = new Set(own.map((step) => step.SpanId))
  const interval = (step: string, row: { startNs: string; durationNs: string }): StepInterval => {
    const start = BigInt(row.startNs)
    return { step, startMs: toMs(start), endMs: toMs(start + BigInt(row.durationNs)) }
  }
  const intervals: StepInterval[] = own.filter((step) => !stepSpanIds.has(step.ParentSpanId)).map((step) => interval(step.step, step))
  // A request belongs to the outermost step around it, as its step's time does.
  const parentOf = new Map(own.map((step) => [step.SpanId, step]))
  const outerStep = (spanId: string): string | undefined => {
    let step = parentOf.get(spanId)
    for (let depth = 0; step !== undefined && depth < stepsPerRunLimit; depth += 1) {
      const outer = parentOf.get(step.ParentSpanId)
      if (outer === undefined) return step.step
      step = outer
    }
    return undefined
  }
  const requests = traceRequests.flatMap((request) => {
    const step = outerStep(request.ParentSpanId)
    return step === undefined ? [] : [interval(step, request)]
  })
  return criticalPathOfRun({ startMs: 0, endMs: Number(BigInt(run.durationNs)) / 1e6 }, intervals, requests)
}

function aggregateSteps(runs: readonly RunCriticalPath[], meanRunMs: number): CriticalPathStep[] {
  const names = [...new Set(runs.flatMap((run) => [...run.steps.keys()]))]
  return names.map((step) => {
    const ranIn = runs.flatMap((run) => {
      const time = run.steps.get(step)
      return time === undefined ? [] : [time]
    })
    const busy = ranIn.reduce((sum, time) => sum + time.busyMs, 0)
    const overlap = ranIn.reduce((sum, time) => sum + time.overlapMs, 0)
    const parallelCalls = ranIn.reduce((sum, time) => sum + time.parallelCallsMs, 0)
    const criticalMs = mean(runs.map((run) => run.steps.get(step)?.criticalMs ?? 0))
    return {
      step,
      runs: ranIn.length,
      meanDurationMs: round(busy / Math.max(1, ranIn.length)),
      criticalMs: round(criticalMs),
      criticalShare: meanRunMs === 0 ? 0 : round(criticalMs / meanRunMs, 6),
      overlapMs: round(overlap / Math.max(1, ranIn.length)),
      overlapShare: busy === 0 ? 0 : round(overlap / busy, 6),
      parallelCallsMs: round(parallelCalls / Math.max(1, ranIn.length)),
    }
  }).sort((left, right) => right.criticalShare - left.criticalShare || right.meanDurationMs - left.meanDurationMs || left.step.localeCompare(right.step))
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length
}

function round(value: number, places = 3): number {
  const factor = 10 ** places
  return Math.round(value * factor) / factor
}
