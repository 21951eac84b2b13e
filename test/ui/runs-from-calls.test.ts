import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { listRuns } from '../../src/ui/list-runs.js'
import { runWaterfall } from '../../src/ui/run-waterfall.js'
import type { RunsFilter } from '../../src/ui/ui-parameters.js'
import { hexId, jsonLines, spanRow, workflowRunRows, type RunSpec } from '../report/workflow-span-rows.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('ui-runs-from-calls')
let store: Store
// Whole seconds, so each expected time is exact.
const baseMs = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000
const gpt = { provider: 'openai', model: 'gpt-4.1' }
const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4' }
const block = { name: 'daily', action: 'block' as const, spentUsd: '5', limitUsd: '5' }

/** Rows as `switchyard gateway` writes them: no workflow or step span, the run id and step on the routes and calls. */
function callsOnly(run: RunSpec): Record<string, unknown>[] {
  return workflowRunRows(run).filter((row) => !String(row.SpanName).startsWith('invoke_workflow ') && !String(row.SpanName).startsWith('step '))
}

// A gateway run: two requests at once in `plan`, then in `act` a fallback followed by a
// retry on the target it fell back to, and a request the budget refused.
const gatewayRun: RunSpec = {
  workflow: 'gateway-agent', runId: 'gw-run-1', startMs: baseMs, durationMs: 5_000, tags: { tenant: 'acme' },
  steps: [
    {
      name: 'plan', offsetMs: 100, durationMs: 1_000, requests: [
        { route: 'smart', offsetMs: 0, attempts: [{ ...gpt, costUsd: '0.01', inputTokens: 100, outputTokens: 10, durationMs: 200 }] },
        { route: 'smart', offsetMs: 50, attempts: [{ ...gpt, costUsd: '0.02', inputTokens: 200, outputTokens: 20, durationMs: 200 }] },
      ],
    },
    {
      name: 'act', offsetMs: 400, durationMs: 1_000, requests: [
        {
          route: 'smart', offsetMs: 0, attempts: [
            { ...gpt, durationMs: 100, errorType: 'timeout' },
            { ...sonnet, durationMs: 100, errorType: 'rate_limited' },
            { ...sonnet, costUsd: '0.03', inputTokens: 300, outputTokens: 30, durationMs: 300 },
          ],
        },
        { route: 'smart', offsetMs: 600, attempts: [], budget: block },
      ],
    },
  ],
}
const workflowRun: RunSpec = {
  workflow: 'sdk-agent', runId: 'wf-run-1', startMs: baseMs + 10_000, durationMs: 2_000, tags: { tenant: 'globex' },
  steps: [{
    name: 'fan-out', offsetMs: 100, durationMs: 1_000, requests: [
      { route: 'smart', offsetMs: 0, attempts: [{ ...gpt, costUsd: '0.001', inputTokens: 10, outputTokens: 1, durationMs: 400 }] },
      { route: 'smart', offsetMs: 100, attempts: [{ ...gpt, costUsd: '0.001', inputTokens: 10, outputTokens: 1, durationMs: 400 }] },
    ],
  }],
}
const refusedRun: RunSpec = {
  workflow: 'gateway-agent', runId: 'refused-only', startMs: baseMs + 20_000, durationMs: 1, tags: { tenant: 'acme' },
  steps: [{ name: 'plan', offsetMs: 0, durationMs: 1, requests: [{ route: 'smart', offsetMs: 0, attempts: [], budget: block }] }],
}

// Its first attempt is before the window the tests list, its second (on another target) inside.
const straddlingRun: RunSpec = {
  workflow: 'straddle-agent', runId: 'straddle', startMs: baseMs - 60_100, durationMs: 1_000, tags: { tenant: 'initech' },
  steps: [{
    name: 'plan', offsetMs: 0, durationMs: 1_000, requests: [{
      route: 'smart', offsetMs: 0, attempts: [
        { ...gpt, durationMs: 200, errorType: 'timeout' },
        { ...sonnet, costUsd: '0.004', inputTokens: 40, outputTokens: 4, durationMs: 300 },
      ],
    }],
  }],
}

/** Two calls whose parent ids point at each other, and a step name with markup: what a hostile sender could store. */
function cyclicRows(): Record<string, unknown>[] {
  const traceId = hexId(16)
  const [first, second] = [hexId(8), hexId(8)]
  const attributes = (model: string): Record<string, string> => ({
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': model, 'switchyard.attempt': '0',
    'switchyard.cost.usd': '0.001', 'gen_ai.workflow.name': 'cyclic', 'switchyard.workflow.run_id': 'cyclic-run', 'switchyard.step': '<b>loop</b>',
  })
  return [
    spanRow({ traceId, spanId: first, parentSpanId: second, name: 'chat a', kind: 'Client', startMs: baseMs + 30_000, durationMs: 100, attributes: attributes('a') }),
    spanRow({ traceId, spanId: second, parentSpanId: first, name: 'chat b', kind: 'Client', startMs: baseMs + 30_050, durationMs: 100, attributes: attributes('b') }),
    spanRow({ traceId, name: 'chat c', kind: 'Client', startMs: baseMs + 30_100, durationMs: 100, attributes: attributes('c') }),
  ]
}

function filter(more: Partial<RunsFilter> = {}): RunsFilter {
  return { window: { name: '1h', from: new Date(baseMs - 60_000), to: new Date(baseMs + 3_600_000) }, limit: 100, ...more }
}

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  const rows = [...callsOnly(gatewayRun), ...workflowRunRows(workflowRun), ...callsOnly(refusedRun), ...callsOnly(straddlingRun), ...cyclicRows()]
  await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: 'runs-from-calls' })
}, 120_000)
afterAll(async () => {
  await store?.close()
  directory.remove()
})

describe('runs known only by their calls (switchyard gateway)', () => {
  it('lists a run without a workflow span from its calls: first call start to last call end, cost, retries after a fallback, refusals', async () => {
    const { runs, omittedRuns } = await listRuns({ store, filter: filter() })
    expect(runs.map((run) => run.runId)).toEqual(['cyclic-run', 'refused-only', 'wf-run-1', 'gw-run-1', 'straddle'])
    expect(omittedRuns).toBe(0)
    const gateway = runs.find((run) => run.runId === 'gw-run-1')!
    // First call at +100 ms; the last call ends at +900 ms; the refused request's route span at +1000 ms lasts 0.2 ms.
    expect(gateway).toMatchObject({
      workflow: 'gateway-agent', hasWorkflowSpan: false, status: '', startMs: baseMs + 100, durationMs: 900.2,
      calls: 5, costUsd: '0.06', inputTokens: 600, outputTokens: 60, errors: 2, retries: 1, fallbacks: 1, refused: 1,
    })
    const workflow = runs.find((run) => run.runId === 'wf-run-1')!
    expect(workflow).toMatchObject({ hasWorkflowSpan: true, startMs: baseMs + 10_000, durationMs: 2_000, calls: 2, costUsd: '0.002', refused: 0 })
    expect(runs.find((run) => run.runId === 'refused-only')).toMatchObject({ workflow: 'gateway-agent', hasWorkflowSpan: false, calls: 0, costUsd: '0', refused: 1 })
  })

  it('filters runs from calls by the tags on their calls, by workflow and by status, and limits in the query', async () => {
    const ids = async (more: Partial<RunsFilter>): Promise<string[]> => (await listRuns({ store, filter: filter(more) })).runs.map((run) => run.runId)
    expect(await ids({ tag: { key: 'tenant', value: 'acme' } })).toEqual(['refused-only', 'gw-run-1'])
    expect(await ids({ tag: { key: 'tenant', value: 'globex' } })).toEqual(['wf-run-1'])
    expect(await ids({ workflow: 'gateway-agent' })).toEqual(['refused-only', 'gw-run-1'])
    expect(await ids({ status: 'ok' })).toEqual(['cyclic-run', 'wf-run-1', 'straddle'])
    expect(await ids({ status: 'error' })).toEqual(['refused-only', 'gw-run-1'])
    const limited = await listRuns({ store, filter: filter({ limit: 1 }) })
    expect(limited.runs.map((run) => run.runId)).toEqual(['cyclic-run'])
    expect(limited.omittedRuns).toBe(4)
  })

  it('counts a later attempt whose attempt before is outside the window as a retry, as the report does', async () => {
    const run = (await listRuns({ store, filter: filter({ workflow: 'straddle-agent' }) })).runs[0]!
    expect(run).toMatchObject({ runId: 'straddle', startMs: baseMs - 59_900, calls: 1, errors: 0, retries: 1, fallbacks: 0 })
    const window = filter().window
    const report = await buildReport({ store, from: window.from, to: window.to, workflow: 'straddle-agent' })
    expect([report.total.calls, report.total.retryRate, report.total.fallbackRate]).toEqual([1, 1, 0])
  })

  it('draws the waterfall of a run without step spans under virtual step rows made from the calls, with parallel calls counted', async () => {
    const waterfall = (await runWaterfall({ store, runId: 'gw-run-1' }))!
    expect(waterfall.run).toMatchObject({ hasWorkflowSpan: false, workflow: 'gateway-agent', durationMs: 900.2 })
    expect(waterfall.stepsFromCalls).toBe(true)
    const steps = waterfall.spans.filter((span) => span.kind === 'step')
    expect(steps.map((span) => [span.name, span.virtual, span.depth, span.startMs, span.durationMs])).toEqual([
      ['step plan', true, 0, 0, 250],
      ['step act', true, 0, 300, 600.2],
    ])
    const routes = waterfall.spans.filter((span) => span.kind === 'route')
    expect(routes.every((span) => span.depth === 1 && span.parentId.startsWith('virtual-step-'))).toBe(true)
    const attempts = waterfall.spans.filter((span) => (span.call?.attempt ?? 0) > 1)
    expect(attempts.map((span) => [span.depth, span.call!.attempt, span.call!.attemptKind])).toEqual([[2, 2, 'fallback'], [2, 3, 'retry']])
    expect(waterfall.totals).toMatchObject({ calls: 5, costUsd: '0.06', retries: 1, fallbacks: 1, refused: 1 })
    const plan = waterfall.criticalPath.steps.find((step) => step.step === 'plan')!
    // The two plan requests overlap from +50 to +200 ms of the step.
    expect(plan.parallelCallsMs).toBe(150)
    expect(plan.busyMs).toBe(250)
    const act = waterfall.criticalPath.steps.find((step) => step.step === 'act')!
    expect(act.parallelCallsMs).toBe(0)
    // Walking back: the refused request (0.2 ms), a gap, act's first request (500 ms), a gap, then plan's two requests (250 ms together).
    expect(act.criticalMs).toBe(500.2)
    expect(plan.criticalMs).toBe(250)
    expect(waterfall.criticalPath.outsideMs).toBe(150)
  })

  it('ends on parent ids that form a cycle, and keeps a step name with markup as a plain value', async () => {
    const waterfall = (await runWaterfall({ store, runId: 'cyclic-run' }))!
    expect(waterfall.totals.calls).toBe(3)
    const step = waterfall.spans.find((span) => span.virtual)!
    expect(step.name).toBe('step <b>loop</b>')
    expect(waterfall.criticalPath.steps.map((entry) => entry.step)).toEqual(['<b>loop</b>'])
  })

  it('counts parallel calls inside a real step span, and keeps real steps', async () => {
    const waterfall = (await runWaterfall({ store, runId: 'wf-run-1' }))!
    expect(waterfall.stepsFromCalls).toBe(false)
    expect(waterfall.run.hasWorkflowSpan).toBe(true)
    expect(waterfall.spans.filter((span) => span.virtual)).toEqual([])
    const fanOut = waterfall.criticalPath.steps.find((step) => step.step === 'fan-out')!
    expect(fanOut).toMatchObject({ busyMs: 1_000, parallelCallsMs: 300, criticalMs: 1_000 })
  })
})
