import { z } from 'zod'

/** A USD amount as an exact decimal string (`"0.000123456789"`), never a float. */
const usdSchema = z.string().regex(/^\d+(\.\d+)?$/)

/**
 * The figures of one report row (or of the whole window). Latencies are in
 * milliseconds; rates are fractions of `calls` (0.045 is 4.5%). Retry and fallback
 * rates count calls, so they add up across groupings: a retry is an attempt >= 2
 * on the same provider/model as the attempt before it in its routed request, a
 * fallback an attempt >= 2 on another one (a change of target). Fields added after
 * the first release default when an older collector leaves them out.
 */
export const reportFiguresSchema = z.object({
  /** Model calls (attempts): a retry or fallback is another call. */
  calls: z.number(),
  /**
   * Requests a budget refused before any call (`route` spans with
   * `switchyard.budget.action = block`): not in `calls`, nor in any rate. Provider
   * and model groupings have none to give them, so they are counted under empty ones.
   */
  refusedRequests: z.number().default(0),
  /** Routed requests a budget moved to a cheaper route; their calls are in `calls` (and grouped under the route they ran on). */
  downgradedRequests: z.number().default(0),
  /** Distinct workflow runs with a call in this row. */
  runs: z.number(),
  /**
   * Runs of this row's workflows (with its tag values when grouped by tags) that
   * made a call in the window, whether or not this row's step, route or target took
   * part in them; equal to `runs` for a row of whole workflows.
   */
  workflowRuns: z.number().default(0),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: usdSchema,
  /** `costUsd / runs` (per run in which the row made a call), rounded half up to the pico-USD; null without runs. */
  costPerRunUsd: usdSchema.nullable(),
  /** `costUsd / workflowRuns`: what the row adds to an average run of its workflows; null without runs. */
  costPerWorkflowRunUsd: usdSchema.nullable().default(null),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  /** Median time to first token of streamed calls; null when none streamed. */
  ttftP50Ms: z.number().nullable(),
  errorRate: z.number(),
  retryRate: z.number(),
  fallbackRate: z.number(),
})
export type ReportFigures = z.infer<typeof reportFiguresSchema>

export const reportRowSchema = reportFiguresSchema.extend({
  /** The value of each grouping, keyed by its name (`workflow`, `tag:tenant` ...). */
  group: z.record(z.string(), z.string()),
})
export type ReportRow = z.infer<typeof reportRowSchema>

const windowSchema = z.object({ from: z.iso.datetime(), to: z.iso.datetime() })

/** `switchyard report` as data: the JSON format, and what `GET /v1/report` answers. */
export const reportSchema = z.object({
  kind: z.literal('report'),
  window: windowSchema,
  by: z.array(z.string()),
  workflow: z.string().nullable(),
  /** Sorted by cost, most expensive first. */
  rows: z.array(reportRowSchema),
  /** Groups past the row limit, left out of `rows` (they still count in `total`). */
  omittedRows: z.number(),
  total: reportFiguresSchema,
})
export type Report = z.infer<typeof reportSchema>

export const criticalPathStepSchema = z.object({
  step: z.string(),
  /** Runs in which the step ran. */
  runs: z.number(),
  /** Mean wall time of the step per run it ran in (parallel instances of it counted once). */
  meanDurationMs: z.number(),
  /** Mean time per run (over all runs of the workflow) the step spent on the critical path. */
  criticalMs: z.number(),
  /** Share of the mean run: `criticalMs / meanRunMs`, so it always agrees with the milliseconds. */
  criticalShare: z.number(),
  /**
   * Mean time per run it ran in, during which the step ran in parallel with other
   * work: another step, or two or more of its own requests at once. Overlaps within
   * 1 ms (timestamp jitter of sequential spans) are not parallel.
   */
  overlapMs: z.number(),
  /** Share of the step's own time that ran in parallel (`overlapMs / meanDurationMs`). */
  overlapShare: z.number(),
  /** The part of `overlapMs` in which two or more of the step's own requests ran at once; 0 from an older collector. */
  parallelCallsMs: z.number().default(0),
})
export type CriticalPathStep = z.infer<typeof criticalPathStepSchema>

/** Where a workflow's end-to-end time goes, step by step, averaged over its runs. */
export const criticalPathReportSchema = z.object({
  kind: z.literal('critical-path'),
  workflow: z.string(),
  window: windowSchema,
  runs: z.number(),
  meanRunMs: z.number(),
  /** Sorted by critical share, largest first. */
  steps: z.array(criticalPathStepSchema),
  /** Time on the path outside any step: the workflow's own code, waits between steps (mean per run). */
  outsideStepsMs: z.number(),
  /** `outsideStepsMs / meanRunMs`, as the steps' shares. */
  outsideStepsShare: z.number(),
  /** Runs in the window beyond the analysis limit, not analysed. */
  omittedRuns: z.number(),
  /** Step spans past the read limit (200 per analysed run on average), left out of the analysis. */
  omittedStepSpans: z.number(),
  /** Request spans (routes, calls outside a route) past the same read limit, left out of the parallel-calls figure; 0 from an older collector. */
  omittedRequestSpans: z.number().default(0),
})
export type CriticalPathReport = z.infer<typeof criticalPathReportSchema>
