/** A target a figure is held to: `measure` (the value, or its ratio to the baseline) compared with `threshold`. */
export interface Target {
  text: string
  measure: 'value' | 'ratio'
  comparison: '<' | '<=' | '>='
  threshold: number
}

export type FigureStatus = 'PASS' | 'MISS' | 'INFO' | 'TODO'

/** One measured number, with the same-run baseline it is compared against. */
export interface Figure {
  name: string
  value: number
  unit: string
  baseline?: { name: string; value: number; unit?: string }
  /** value / baseline value, when both are in the same unit. */
  ratio?: number
  target?: Target
  /** The measure divided by the threshold: below 1 is under a "less than" target, above 1 over an "at least" one. */
  ofTarget?: number
  status: FigureStatus
  note?: string
}

export interface FigureInput {
  name: string
  value: number
  unit: string
  baseline?: { name: string; value: number; unit?: string }
  /** Given explicitly when the ratio is not value / baseline (e.g. a throughput ratio beside a latency). */
  ratio?: number
  target?: Target
  note?: string
}

export function figure(input: FigureInput): Figure {
  const ratio = input.ratio ?? (input.baseline !== undefined && input.baseline.unit === undefined && input.baseline.value !== 0
    ? input.value / input.baseline.value
    : undefined)
  const result: Figure = { ...input, ratio, status: 'INFO' }
  if (input.target !== undefined) {
    const measured = input.target.measure === 'ratio' ? ratio : input.value
    if (measured === undefined || !Number.isFinite(measured)) {
      result.status = 'MISS'
      result.note = [input.note, 'no measurement to compare with the target'].filter(Boolean).join('; ')
    } else {
      result.ofTarget = input.target.threshold === 0 ? undefined : measured / input.target.threshold
      const passed = input.target.comparison === '<' ? measured < input.target.threshold
        : input.target.comparison === '<=' ? measured <= input.target.threshold
          : measured >= input.target.threshold
      result.status = passed ? 'PASS' : 'MISS'
    }
  }
  return result
}

/** A figure that cannot be measured yet (its code does not exist): reported, never faked. */
export function todoFigure(name: string, note: string, target?: Target): Figure {
  return { name, value: Number.NaN, unit: '', target, status: 'TODO', note }
}

/** What one benchmark process hands back to bench/run.ts. */
export interface BenchResult {
  benchmark: string
  mode: 'quick' | 'full'
  startedAt: string
  finishedAt: string
  /** Counts, delays, settings: what the figures were measured under. */
  conditions: Record<string, unknown>
  figures: Figure[]
  /** Raw measurements behind the figures (latency summaries, run lists). */
  details: Record<string, unknown>
  notes: string[]
}
