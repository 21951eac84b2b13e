/** One step span of a run, in milliseconds from any fixed origin. */
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
  /** Time the step ran while another step ran too. */
  overlapMs: number
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
export function criticalPathOfRun(run: { startMs: number; endMs: number }, intervals: readonly StepInterval[]): RunCriticalPath {
  const runMs = Math.max(0, run.endMs - run.startMs)
  const clipped = intervals
    .map((interval) => ({ step: interval.step, startMs: Math.max(interval.startMs, run.startMs), endMs: Math.min(interval.endMs, run.endMs) }))
    .filter((interval) => interval.endMs > interval.startMs)
  const steps = new Map<string, StepTime>()
  const timeOf = (step: string): StepTime => {
    let time = steps.get(step)
    if (time === undefined) {
      time = { busyMs: 0, criticalMs: 0, overlapMs: 0 }
      steps.set(step, time)
    }
    return time
  }
  for (const interval of clipped) timeOf(interval.step)
  addBusyAndOverlap(clipped, timeOf)

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

/** One sweep over the interval edges: per elementary segment, which steps run. */
function addBusyAndOverlap(intervals: readonly StepInterval[], timeOf: (step: string) => StepTime): void {
  const edges = [...new Set(intervals.flatMap((interval) => [interval.startMs, interval.endMs]))].sort((a, b) => a - b)
  for (let index = 0; index + 1 < edges.length; index += 1) {
    const segmentStart = edges[index]!
    const segmentEnd = edges[index + 1]!
    const active = new Set<string>()
    for (const interval of intervals) {
      if (interval.startMs <= segmentStart && interval.endMs >= segmentEnd) active.add(interval.step)
    }
    const length = segmentEnd - segmentStart
    for (const step of active) {
      const time = timeOf(step)
      time.busyMs += length
      if (active.size > 1) time.overlapMs += length
    }
  }
}
