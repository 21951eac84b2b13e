import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDemo, type DemoSummary } from '../../src/demo/run-demo.js'
import { buildReport } from '../../src/report/build-report.js'
import { criticalPath } from '../../src/report/critical-path.js'
import { formatReport } from '../../src/report/format-report.js'
import { handleReportRequest } from '../../src/report/handle-report-request.js'
import { reportSchema, type ReportRow } from '../../src/report/report-schema.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/*
 * The report over what the real router recorded: `npm run demo` (two workflows, a
 * plan budget that fills, downgrades to a cheaper route and then blocks), its
 * spans through the real exporter into the embedded store. Every expectation is
 * recounted here from the raw spans, not taken from the report.
 */
const directory = makeTempDirectory('report-demo-figures')
let store: Store
let summary: DemoSummary
let window: { from: Date; to: Date }

beforeAll(async () => {
  summary = await runDemo({ directory: directory.path, write: () => undefined })
  window = { from: new Date(summary.from.getTime() - 1_000), to: new Date(summary.to.getTime() + 60_000) }
  store = await createStore({ url: `chdb://${path.join(directory.path, 'data')}` })
}, 120_000)
afterAll(async () => {
  await store?.close()
  directory.remove()
})

async function rows<T>(query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>()
}

const sum = (list: readonly ReportRow[], pick: (row: ReportRow) => number): number => list.reduce((total, row) => total + pick(row), 0)

describe('requests a budget refused or downgraded, from the demo', () => {
  it('leaves one route span per refused request, with its workflow, step, route and tags, and no model call', async () => {
    expect(summary.budgetBlocks).toBeGreaterThan(0)
    const refused = await rows<{ step: string; route: string; tenant: string; workflow: string; children: string }>(`
      SELECT SpanAttributes['switchyard.step'] AS step, SpanAttributes['switchyard.route'] AS route,
             SpanAttributes['switchyard.tag.tenant'] AS tenant, SpanAttributes['gen_ai.workflow.name'] AS workflow,
             toString(SpanId IN (SELECT ParentSpanId FROM otel_traces)) AS children
      FROM otel_traces
      WHERE startsWith(SpanName, 'route ') AND SpanAttributes['switchyard.budget.action'] = 'block'`)
    expect(refused).toHaveLength(summary.budgetBlocks)
    for (const span of refused) {
      expect(span).toMatchObject({ workflow: 'support-triage', step: 'plan', route: 'plan', children: '0' })
      expect(['acme', 'globex', 'initech']).toContain(span.tenant)
    }
  })

  it('shows refused and downgraded requests beside the calls of their workflow and step, and in the total', async () => {
    const [downgraded] = await rows<{ count: string }>(`SELECT toString(count()) AS count FROM otel_traces
      WHERE startsWith(SpanName, 'route ') AND SpanAttributes['switchyard.budget.action'] = 'downgrade'`)
    expect(Number(downgraded?.count)).toBeGreaterThan(0)
    const report = await buildReport({ store, ...window, by: ['workflow', 'step'] })
    const plan = report.rows.find((row) => row.group.workflow === 'support-triage' && row.group.step === 'plan')
    expect(plan?.refusedRequests).toBe(summary.budgetBlocks)
    expect(plan?.downgradedRequests).toBe(Number(downgraded?.count))
    expect(sum(report.rows, (row) => row.refusedRequests)).toBe(summary.budgetBlocks)
    expect(report.total.refusedRequests).toBe(summary.budgetBlocks)
    expect(report.total.downgradedRequests).toBe(Number(downgraded?.count))
    // Refused requests are in no call figure: the calls still add up to what the demo made.
    expect(report.total.calls).toBe(summary.calls)
    const table = formatReport(report, 'table')
    const line = table.split('\n').find((text) => /^support-triage +plan /.test(text))!
    expect(line.split(/ {2,}/).slice(2, 5)).toEqual([String(plan?.calls), String(summary.budgetBlocks), String(downgraded?.count)])
    expect(table).toMatch(/refused: requests a budget blocked before any call/)
  })

  it('groups refused requests by the tags the router put on their route spans, and under no provider', async () => {
    const byTenant = await buildReport({ store, ...window, by: ['tag:tenant'] })
    expect(sum(byTenant.rows, (row) => row.refusedRequests)).toBe(summary.budgetBlocks)
    expect(byTenant.rows.find((row) => row.group['tag:tenant'] === '')).toBeUndefined()
    const byProvider = await buildReport({ store, ...window, by: ['provider'] })
    const none = byProvider.rows.find((row) => row.group.provider === '')
    expect(none).toMatchObject({ calls: 0, refusedRequests: summary.budgetBlocks, costUsd: '0', costPerRunUsd: null, p50Ms: null, ttftP50Ms: null })
    expect(byProvider.rows.at(-1)).toBe(none)
    expect(formatReport(byProvider, 'table')).toMatch(new RegExp(`^\\(none\\) +0 +${summary.budgetBlocks} +0 `, 'm'))
  })

  it('answers the new figures from GET /v1/report, in a shape the old fields still read', async () => {
    const searchParams = new URLSearchParams({ from: window.from.toISOString(), to: window.to.toISOString(), by: 'step', workflow: 'support-triage' })
    const response = await handleReportRequest({ store, searchParams })
    expect(response.status).toBe(200)
    const body = JSON.parse(response.body) as { rows: Record<string, unknown>[] }
    const plan = body.rows.find((row) => (row.group as Record<string, string>).step === 'plan')
    expect(plan).toMatchObject({ refusedRequests: summary.budgetBlocks, calls: expect.any(Number), errorRate: expect.any(Number), costPerRunUsd: expect.any(String) })
    expect(reportSchema.parse(body).total.refusedRequests).toBe(summary.budgetBlocks)
  })
})

describe('cost per run of a step, from the demo', () => {
  it('divides by the runs in which the step made a call, and beside it by every run of its workflow', async () => {
    const report = await buildReport({ store, ...window, by: ['workflow', 'step'] })
    const [runs] = await rows<{ runs: string }>("SELECT toString(uniqExact(WorkflowRunId)) AS runs FROM llm_calls WHERE Workflow = 'support-triage'")
    const [planRuns] = await rows<{ runs: string }>("SELECT toString(uniqExact(WorkflowRunId)) AS runs FROM llm_calls WHERE Workflow = 'support-triage' AND Step = 'plan'")
    const plan = report.rows.find((row) => row.group.workflow === 'support-triage' && row.group.step === 'plan')!
    // Runs whose every plan request was refused made no plan call.
    expect(Number(planRuns?.runs)).toBeLessThan(Number(runs?.runs))
    expect(plan.runs).toBe(Number(planRuns?.runs))
    expect(plan.workflowRuns).toBe(Number(runs?.runs))
    const units = (usd: string | null): number => Number(usd) * 1e12
    expect(units(plan.costPerRunUsd)).toBeCloseTo(units(plan.costUsd) / plan.runs, 0)
    expect(units(plan.costPerWorkflowRunUsd)).toBeCloseTo(units(plan.costUsd) / plan.workflowRuns, 0)
    for (const row of report.rows.filter((candidate) => candidate.group.workflow === 'support-triage')) expect(row.workflowRuns).toBe(Number(runs?.runs))
    const table = formatReport(report, 'table')
    expect(table).toMatch(/ runs +wf runs +input .* cost\/run +cost\/wf run /)
    expect(table).toMatch(/wf runs: every run of the row's workflows \(cost\/wf run divides by them\)/)
  })
})

describe('critical path of the demo\'s support triage', () => {
  it('gives each step a share of the mean run that agrees with its milliseconds', async () => {
    const report = await criticalPath({ store, workflow: 'support-triage', ...window })
    const [runs] = await rows<{ runs: string; meanMs: number }>(`SELECT toString(count()) AS runs, avg(Duration) / 1e6 AS meanMs
      FROM otel_traces WHERE SpanName = 'invoke_workflow support-triage'`)
    expect(report.runs).toBe(Number(runs?.runs))
    expect(report.meanRunMs).toBeCloseTo(runs!.meanMs, 2)
    for (const step of report.steps) expect(step.criticalShare * report.meanRunMs, step.step).toBeCloseTo(step.criticalMs, 1)
    expect(report.steps.reduce((total, step) => total + step.criticalShare, report.outsideStepsShare)).toBeCloseTo(1, 5)
  })

  it('counts the three parallel calls of execute as parallel, and nothing of the sequential steps', async () => {
    const report = await criticalPath({ store, workflow: 'support-triage', ...window })
    const step = (name: string) => report.steps.find((candidate) => candidate.step === name)
    expect(step('execute')?.parallelCallsMs).toBeGreaterThan(0)
    expect(step('execute')?.overlapMs).toBeGreaterThanOrEqual(step('execute')!.parallelCallsMs)
    for (const name of ['classify', 'plan', 'verify']) expect(step(name)?.overlapMs, name).toBe(0)
    expect(report.omittedRequestSpans).toBe(0)
  })
})
