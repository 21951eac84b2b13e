import { coveredMs, mergeIntervals, parallelIntervals, type TimeInterval } from './interval-overlap.js'

/** One step span of a run (or one request made inside it), in milliseconds from any fixed origin. */
export interface StepInterval {
  step: string
  startMs: number
  endMs: number
}

/** What one step contributed to one run. */
export interface StepTime {
  /** Wall time the step was running (its own parallel instances counted once). */
  busyMs: number
  /** Time the step was the one the run was waiting on. */
  criticalMs: number
  /**
   * Time the step ran in parallel with other work: another step, or another of its
   * own requests (two or more of its model calls at once). Overlaps within the
   * timestamp tolerance (overlapToleranceMs) are sequential work, not parallel.
   */
  overlapMs: number
  /** The part of it in which two or more of the step's own requests ran at once. */
  parallelCallsMs: number
}

export interface RunCriticalPath {
  runMs: number
  steps: Map<string, StepTime>
  /** Critical-path time outside every step (the workflow's own code, gaps). */
  outsideMs: number
}

/**
 * The critical path of one workflow run through its steps, walking back from the
 * run's end: at each point the path follows the step that finished last before
 * it, takes that step's time, and jumps to its start; time no step covers is the
 * workflow's own. Parallel steps that finish earlier than a sibling are off the
 * path: their time shows as overlap, not as time the run waited for. Intervals
 * are clipped to the run; each step is taken at most once, so the walk ends.
 */
export function criticalPathOfRun(run: { startMs: number; endMs: number }, intervals: readonly StepInterval[], requests: readonly StepInterval[] = []): RunCriticalPath {
  const runMs = Math.max(0, run.endMs - run.startMs)
  const clip = (list: readonly StepInterval[]): StepInterval[] => list
    .map((interval) => ({ step: interval.step, startMs: Math.max(interval.startMs, run.startMs), endMs: Math.min(interval.endMs, run.endMs) }))
    .filter((interval) => interval.endMs > interval.startMs)
  const clipped = clip(intervals)
  const steps = new Map<string, StepTime>()
  const timeOf = (step: string): StepTime => {
    let time = steps.get(step)
    if (time === undefined) {
      time = { busyMs: 0, criticalMs: 0, overlapMs: 0, parallelCallsMs: 0 }
      steps.set(step, time)
    }
    return time
  }
  for (const interval of clipped) timeOf(interval.step)
  addBusyAndOverlap(clipped, clip(requests), timeOf)

  let cursor = run.endMs
  let outsideMs = 0
  const remaining = [...clipped]
  for (;;) {
    let best = -1
    let bestEnd = -Infinity
    remaining.forEach((interval, index) => {
      if (interval.startMs >= cursor) return
      const end = Math.min(interval.endMs, cursor)
      if (end > bestEnd) {
        best = index
        bestEnd = end
      }
    })
    const chosen = remaining[best]
    if (chosen === undefined) break
    outsideMs += cursor - bestEnd
    timeOf(chosen.step).criticalMs += bestEnd - chosen.startMs
    cursor = chosen.startMs
    remaining.splice(best, 1)
  }
  outsideMs += cursor - run.startMs
  return { runMs, steps, outsideMs }
}

/**
 * Per step: its wall time (its own parallel instances counted once), and the time
 * it ran in parallel with another step or with another of its own requests.
 */
function addBusyAndOverlap(intervals: readonly StepInterval[], requests: readonly StepInterval[], timeOf: (step: string) => StepTime): void {
  for (const [step, time] of [...new Set(intervals.map((interval) => interval.step))].map((name) => [name, timeOf(name)] as const)) {
    const own: TimeInterval[] = intervals.filter((interval) => interval.step === step)
    const others: TimeInterval[] = intervals.filter((interval) => interval.step !== step)
    // A request counts inside its step's own time only.
    const ownRequests = parallelIntervals(requests.filter((request) => request.step === step))
      .flatMap((parallel) => own.map((interval) => ({ startMs: Math.max(parallel.startMs, interval.startMs), endMs: Math.min(parallel.endMs, interval.endMs) })))
    const parallelCalls = mergeIntervals(ownRequests)
    time.busyMs += coveredMs(own)
    time.parallelCallsMs += coveredMs(parallelCalls)
    time.overlapMs += coveredMs([...parallelIntervals(own, others), ...parallelCalls])
  }
}
