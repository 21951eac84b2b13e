import { escapeControlCharacters } from '../shared/escape-control-characters.js'
import { csvLine } from './csv-line.js'
import { formatWindow } from './format-report-table.js'
import { formatCount, formatDuration, formatPercent } from './format-units.js'
import type { CriticalPathReport } from './report-schema.js'
import { renderTextTable } from './text-table.js'

const outsideSteps = '(outside steps)'

/** Where a workflow's time goes, as an aligned terminal table, largest share of the critical path first. */
export function formatCriticalPathTable(report: CriticalPathReport): string {
  const title = escapeControlCharacters(`switchyard critical path  workflow ${report.workflow}  ${formatWindow(report.window)}`)
  if (report.runs === 0) return `${title}\n\nno runs of this workflow in this window`
  const table = renderTextTable({
    columns: [
      { header: 'step', align: 'left' },
      { header: 'runs', align: 'right' },
      { header: 'mean duration', align: 'right' },
      { header: 'on critical path', align: 'right' },
      { header: 'share of mean run', align: 'right' },
      { header: 'in parallel', align: 'right' },
      { header: 'parallel share', align: 'right' },
      { header: 'parallel calls', align: 'right' },
    ],
    rows: [
      ...report.steps.map((step) => [
        step.step,
        formatCount(step.runs),
        formatDuration(step.meanDurationMs),
        formatDuration(step.criticalMs),
        formatPercent(step.criticalShare),
        formatDuration(step.overlapMs),
        formatPercent(step.overlapShare),
        formatDuration(step.parallelCallsMs),
      ]),
      [outsideSteps, '', '', formatDuration(report.outsideStepsMs), formatPercent(report.outsideStepsShare), '', '', ''],
    ],
  })
  const omitted = (report.omittedRuns === 0 ? '' : `, ${formatCount(report.omittedRuns)} older runs not analysed`)
    + (report.omittedStepSpans === 0 ? '' : `, ${formatCount(report.omittedStepSpans)} step spans past the read limit left out`)
    + (report.omittedRequestSpans === 0 ? '' : `, ${formatCount(report.omittedRequestSpans)} request spans past the read limit left out of parallel calls`)
  return `${title}\n${formatCount(report.runs)} runs, mean ${formatDuration(report.meanRunMs)} end to end${omitted}\n\n${table}\n\n`
    + 'on critical path: mean time per run the run was waiting on the step; share of mean run: that time over the mean run\'s time\n'
    + 'in parallel: mean time per run it ran in that the step ran alongside another step (off the critical path when the other finishes later)\n'
    + 'or two or more of its own calls at once (parallel calls); overlaps under 1 ms are timestamp jitter of sequential work, not counted'
}

/** The same as CSV: milliseconds and fractions, one line per step, then the time outside steps. */
export function formatCriticalPathCsv(report: CriticalPathReport): string {
  const lines = [csvLine(['step', 'runs', 'mean_duration_ms', 'critical_ms', 'critical_share', 'overlap_ms', 'overlap_share', 'parallel_calls_ms'])]
  for (const step of report.steps) {
    lines.push(csvLine([step.step, step.runs, step.meanDurationMs, step.criticalMs, step.criticalShare, step.overlapMs, step.overlapShare, step.parallelCallsMs]))
  }
  if (report.runs > 0) lines.push(csvLine([outsideSteps, null, null, report.outsideStepsMs, report.outsideStepsShare, null, null, null]))
  return `${lines.join('\n')}\n`
}
