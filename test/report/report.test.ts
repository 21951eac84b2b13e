import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { diag } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { buildReport } from '../../src/report/build-report.js'
import { criticalPath } from '../../src/report/critical-path.js'
import { formatReport } from '../../src/report/format-report.js'
import { handleReportRequest } from '../../src/report/handle-report-request.js'
import { reportSchema, type Report, type ReportFigures } from '../../src/report/report-schema.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { migrate } from '../../src/store/migrate.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { insertRows, reportFixture } from './report-fixture.js'

const cli = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))
const directory = makeTempDirectory('report')
const baseMs = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000
const from = new Date(baseMs - 60_000)
const to = new Date(baseMs + 3_600_000)
let store: Store

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  await insertRows(store, reportFixture(baseMs).rows, 'report-fixture')
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

/**
 * Figures with every field, worked out by hand from the fixture (see report-fixture.ts).
 * No request of the fixture is refused or downgraded; a row's workflow runs and cost
 * per workflow run are its runs and cost per run unless given.
 */
function figures(values: Partial<ReportFigures> & Pick<ReportFigures, 'calls' | 'runs' | 'costUsd'>): ReportFigures {
  return {
    refusedRequests: 0, downgradedRequests: 0, workflowRuns: values.runs, inputTokens: 0, outputTokens: 0, costPerRunUsd: null,
    costPerWorkflowRunUsd: values.costPerRunUsd ?? null, p50Ms: null, p95Ms: null, p99Ms: null,
    ttftP50Ms: null, errorRate: 0, retryRate: 0, fallbackRate: 0, ...values,
  }
}

function expectFigures(actual: ReportFigures | undefined, expected: ReportFigures): void {
  expect(actual).toBeDefined()
  const { errorRate, retryRate, fallbackRate, ...exact } = expected
  expect(actual).toMatchObject(exact)
  expect(actual?.errorRate).toBeCloseTo(errorRate, 12)
  expect(actual?.retryRate).toBeCloseTo(retryRate, 12)
  expect(actual?.fallbackRate).toBeCloseTo(fallbackRate, 12)
}

// Durations of the ten calls in the window, sorted: 50 90 100 150 250 250 300 400 450 1400.
// Percentiles interpolate linearly between ranks: p at rank h = (n - 1) * p.
const totalFigures = figures({
  calls: 10,
  runs: 3,
  inputTokens: 100 + 1000 + 200 + 100 + 1000 + 5000 + 3000 + 10,
  outputTokens: 10 + 200 + 20 + 10 + 300 + 50 + 1000 + 1,
  costUsd: '0.0646',
  costPerRunUsd: '0.021533333333', // 0.0646 / 3 = 0.02153333..., rounded to the pico-USD
  p50Ms: 250, // h = 4.5: between 250 and 250
  p95Ms: 972.5, // h = 8.55: 450 + 0.55 * (1400 - 450)
  p99Ms: 1314.5, // h = 8.91: 450 + 0.91 * 950
  ttftP50Ms: 40, // streams: 40, 60, 30
  errorRate: 2 / 10,
  retryRate: 1 / 10, // r1 plan: attempt 2 on the same anthropic/claude-sonnet-4
  fallbackRate: 1 / 10, // r2 plan: attempt 2 on openai/gpt-4.1 after anthropic
})

describe('buildReport over a known set of spans', () => {
  it('groups by workflow with calls, runs, tokens, exact cost, cost per run, percentiles and rates equal to the hand-worked figures', async () => {
    const report = await buildReport({ store, from, to, by: ['workflow'] })
    expect(report.rows.map((row) => row.group)).toEqual([{ workflow: 'triage' }, { workflow: 'coding' }, { workflow: '' }])
    // triage: durations 90 100 150 250 250 300 400
    expectFigures(report.rows[0], figures({
      calls: 7, runs: 2, inputTokens: 2400, outputTokens: 540, costUsd: '0.034', costPerRunUsd: '0.017',
      p50Ms: 250, p95Ms: 370, p99Ms: 394, ttftP50Ms: 40, errorRate: 2 / 7, retryRate: 1 / 7, fallbackRate: 1 / 7,
    }))
    // coding: durations 450 1400
    expectFigures(report.rows[1], figures({
      calls: 2, runs: 1, inputTokens: 8000, outputTokens: 1050, costUsd: '0.0305', costPerRunUsd: '0.0305',
      p50Ms: 925, p95Ms: 1352.5, p99Ms: 1390.5,
    }))
    // the call made outside any workflow: no run, so no cost per run
    expectFigures(report.rows[2], figures({ calls: 1, runs: 0, inputTokens: 10, outputTokens: 1, costUsd: '0.0001', p50Ms: 50, p95Ms: 50, p99Ms: 50 }))
    expectFigures(report.total, totalFigures)
    expect(report.omittedRows).toBe(0)
    expect(report.window).toEqual({ from: from.toISOString(), to: to.toISOString() })
  })

  it('groups by a user tag, counting runs per tag value', async () => {
    const report = await buildReport({ store, from, to, by: ['tag:tenant'] })
    expect(report.rows.map((row) => row.group)).toEqual([{ 'tag:tenant': 'acme' }, { 'tag:tenant': 'globex' }, { 'tag:tenant': '' }])
    // acme = r1 + r3: durations 100 150 250 300 450 1400
    expectFigures(report.rows[0], figures({
      calls: 6, runs: 2, inputTokens: 1300 + 8000, outputTokens: 230 + 1050, costUsd: '0.0435', costPerRunUsd: '0.02175',
      p50Ms: 275, p95Ms: 1162.5, p99Ms: 1352.5, ttftP50Ms: 50, errorRate: 1 / 6, retryRate: 1 / 6,
    }))
    // globex = r2: durations 90 250 400
    expectFigures(report.rows[1], figures({
      calls: 3, runs: 1, inputTokens: 1100, outputTokens: 310, costUsd: '0.021', costPerRunUsd: '0.021',
      p50Ms: 250, p95Ms: 385, p99Ms: 397, ttftP50Ms: 30, errorRate: 1 / 3, fallbackRate: 1 / 3,
    }))
    expectFigures(report.total, totalFigures)
  })

  it('groups one workflow by step, most expensive first, ties broken by calls', async () => {
    const report = await buildReport({ store, from, to, by: ['step'], workflow: 'triage' })
    expect(report.workflow).toBe('triage')
    expect(report.rows.map((row) => row.group.step)).toEqual(['plan', 'classify', 'verify'])
    // plan: durations 100 250 300 400
    expectFigures(report.rows[0], figures({
      calls: 4, runs: 2, inputTokens: 2000, outputTokens: 500, costUsd: '0.03', costPerRunUsd: '0.015',
      p50Ms: 275, p95Ms: 385, p99Ms: 397, errorRate: 2 / 4, retryRate: 1 / 4, fallbackRate: 1 / 4,
    }))
    expectFigures(report.rows[1], figures({
      calls: 2, runs: 2, inputTokens: 200, outputTokens: 20, costUsd: '0.002', costPerRunUsd: '0.001',
      p50Ms: 120, p95Ms: 147, p99Ms: 149.4, ttftP50Ms: 35,
    }))
    // verify ran in r1 only: its cost per run is per that run, its cost per workflow run over both runs of triage
    expectFigures(report.rows[2], figures({
      calls: 1, runs: 1, workflowRuns: 2, inputTokens: 200, outputTokens: 20, costUsd: '0.002', costPerRunUsd: '0.002',
      costPerWorkflowRunUsd: '0.001', p50Ms: 250, p95Ms: 250, p99Ms: 250, ttftP50Ms: 60,
    }))
    expect(report.total.calls).toBe(7)
    expect(report.total.costUsd).toBe('0.034')
  })

  it('groups by provider and model: a fallback lands on the target it fell back to', async () => {
    const report = await buildReport({ store, from, to, by: ['provider', 'model'] })
    expect(report.rows.map((row) => [row.group.provider, row.group.model, row.calls, row.costUsd, row.errorRate, row.retryRate, row.fallbackRate])).toEqual([
      ['openai', 'gpt-4.1', 2, '0.05', 0, 0, 0.5],
      ['anthropic', 'claude-sonnet-4', 3, '0.01', 2 / 3, 1 / 3, 0],
      ['openai', 'gpt-4.1-mini', 4, '0.0041', 0, 0, 0],
      ['gcp.gemini', 'gemini-2.5-flash', 1, '0.0005', 0, 0, 0],
    ])
  })

  it('keeps the total whole when rows are cut by the limit, and counts what it left out', async () => {
    const report = await buildReport({ store, from, to, by: ['workflow'], limit: 1 })
    expect(report.rows.map((row) => row.group.workflow)).toEqual(['triage'])
    expect(report.omittedRows).toBe(2)
    expectFigures(report.total, totalFigures)
  })

  it('reads the last 24 hours by default, leaving out older spans', async () => {
    const report = await buildReport({ store })
    expectFigures(report.total, totalFigures)
  })

  it('gives an empty report for a window without calls', async () => {
    const report = await buildReport({ store, from: new Date(baseMs - 7_200_000), to: new Date(baseMs - 3_600_000), by: ['workflow'] })
    expect(report.rows).toEqual([])
    expect(report.total).toEqual(figures({ calls: 0, runs: 0, costUsd: '0' }))
    expect(formatReport(report, 'table')).toMatch(/no model calls in this window/)
  })
})

describe('report formats', () => {
  let report: Report
  beforeAll(async () => {
    report = await buildReport({ store, from, to, by: ['workflow', 'step'] })
  })

  it('writes JSON that parses back into the same report', () => {
    const parsed = reportSchema.parse(JSON.parse(formatReport(report, 'json')))
    expect(parsed).toEqual(report)
  })

  it('writes CSV with one header and one raw line per row', () => {
    const lines = formatReport(report, 'csv').trimEnd().split('\n')
    expect(lines[0]).toBe('workflow,step,calls,runs,input_tokens,output_tokens,cost_usd,cost_per_run_usd,p50_ms,p95_ms,p99_ms,ttft_p50_ms,error_rate,retry_rate,fallback_rate,refused_requests,downgraded_requests,workflow_runs,cost_per_workflow_run_usd')
    expect(lines).toHaveLength(1 + report.rows.length)
    // Equal cost: the row with more calls first.
    expect(lines[1]).toBe('triage,plan,4,2,2000,500,0.03,0.015,275,385,397,,0.5,0.25,0.25,0,0,2,0.015')
    expect(lines[2]).toBe('coding,edit,1,1,3000,1000,0.03,0.03,1400,1400,1400,,0,0,0,0,0,1,0.03')
  })

  it('writes an aligned table with units, most expensive first, and a total line', () => {
    const text = formatReport(report, 'table')
    const [title, blank, ...rest] = text.trimEnd().split('\n')
    expect(title).toMatch(/^switchyard report {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?Z -> \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?Z {2}by workflow, step$/)
    expect(blank).toBe('')
    const table = rest.slice(0, rest.indexOf(''))
    // Every line of the table ends at the same column: figures are right-aligned.
    expect(new Set(table.map((line) => line.length)).size).toBe(1)
    const header = table[0]!
    expect(header).toMatch(/^workflow +step +calls +runs +wf runs +input +output +cost +cost\/run +cost\/wf run +p50 +p95 +p99 +ttft p50 +errors +retries +fallbacks$/)
    const costEnd = header.indexOf('cost/run ') - 2
    const plan = table.find((line) => line.startsWith('triage') && line.includes('plan'))!
    expect(plan.replace(/ +/g, ' ')).toBe('triage plan 4 2 2 2.0k tok 500 tok $0.0300 $0.0150 $0.0150 275 ms 385 ms 397 ms - 50.0% 25.0% 25.0%')
    expect(plan.slice(costEnd - '$0.0300'.length, costEnd)).toBe('$0.0300')
    expect(table.slice(1, 3).map((line) => line.split(/ +/).slice(0, 2).join(' '))).toEqual(['triage plan', 'coding edit'])
    expect(table.at(-2)).toMatch(/^-+$/)
    expect(table.at(-1)!.replace(/ +/g, ' ')).toBe('total 10 3 3 10.4k tok 1.6k tok $0.0646 $0.0215 $0.0215 250 ms 973 ms 1.3 s 40 ms 20.0% 10.0% 10.0%')
  })
})

describe('report table columns', () => {
  it('leaves out the budget columns when no request was refused or downgraded, and workflow runs when they equal runs', async () => {
    const byWorkflow = formatReport(await buildReport({ store, from, to, by: ['workflow'] }), 'table')
    const header = byWorkflow.split('\n')[2]!
    expect(header).toMatch(/^workflow +calls +runs +input /)
    expect(byWorkflow).not.toMatch(/refused|wf runs/)
    // coding's steps each ran in its one run: every row's workflow runs are its runs.
    const codingSteps = formatReport(await buildReport({ store, from, to, by: ['step'], workflow: 'coding' }), 'table')
    expect(codingSteps.split('\n')[2]).toMatch(/^step +calls +runs +input /)
  })
})

describe('criticalPath', () => {
  it('splits a workflow run into the time each step holds the critical path, and the time parallel steps overlap', async () => {
    // f1 (150 ms): search 0-100 and fetch 0-60 in parallel, then answer 100-150.
    //   Walking back from 150: answer 50 ms, then search (ends last) 100 ms; fetch is off the path.
    // f2 (200 ms): search 10-90 and fetch 10-120 in parallel, then answer 130-190.
    //   answer 60 ms, gap 120-130, fetch 110 ms, gap 0-10, end gap 190-200: outside steps 30 ms.
    const report = await criticalPath({ store, workflow: 'fanout', from, to })
    expect(report.runs).toBe(2)
    expect(report.meanRunMs).toBe(175)
    // Shares are of the mean run (175 ms): equal critical time, equal share; ties go to the longer step.
    expect(report.steps.map((step) => step.step)).toEqual(['fetch', 'answer', 'search'])
    const [fetch, answer, search] = report.steps
    expect(search).toMatchObject({ runs: 2, meanDurationMs: 90, criticalMs: 50, overlapMs: 70, parallelCallsMs: 0 })
    expect(search?.criticalShare).toBeCloseTo(50 / 175, 5)
    expect(search?.overlapShare).toBeCloseTo(140 / 180, 5)
    expect(answer).toMatchObject({ runs: 2, meanDurationMs: 55, criticalMs: 55, overlapMs: 0, overlapShare: 0 })
    expect(answer?.criticalShare).toBeCloseTo(55 / 175, 5)
    expect(fetch).toMatchObject({ runs: 2, meanDurationMs: 85, criticalMs: 55, overlapMs: 70 })
    expect(fetch?.criticalShare).toBeCloseTo(55 / 175, 5)
    expect(fetch?.overlapShare).toBeCloseTo(140 / 170, 5)
    expect(report.outsideStepsMs).toBe(15)
    expect(report.outsideStepsShare).toBeCloseTo(15 / 175, 5)
    // A share and its milliseconds say the same thing.
    for (const step of report.steps) expect(step.criticalShare * report.meanRunMs).toBeCloseTo(step.criticalMs, 2)
    const shares = report.steps.reduce((sum, step) => sum + step.criticalShare, report.outsideStepsShare)
    expect(shares).toBeCloseTo(1, 5)
  })

  it('prints the critical path as an aligned table and as CSV', async () => {
    const report = await criticalPath({ store, workflow: 'fanout', from, to })
    const table = formatReport(report, 'table')
    expect(table).toMatch(/2 runs, mean 175 ms end to end/)
    expect(table.split('\n').find((line) => line.startsWith('search'))!.replace(/ +/g, ' ')).toBe('search 2 90 ms 50 ms 28.6% 70 ms 77.8% 0 ms')
    expect(formatReport(report, 'csv').split('\n')[0]).toBe('step,runs,mean_duration_ms,critical_ms,critical_share,overlap_ms,overlap_share,parallel_calls_ms')
    expect(table).toMatch(/share of mean run: that time over the mean run's time/)
  })

  it('reports no runs for a workflow without spans in the window', async () => {
    const report = await criticalPath({ store, workflow: 'nothing-here', from, to })
    expect(report).toMatchObject({ runs: 0, steps: [], meanRunMs: 0 })
  })
})

describe('GET /v1/report handler', () => {
  it('answers JSON by default, with the same figures as buildReport', async () => {
    const searchParams = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), by: 'workflow' })
    const response = await handleReportRequest({ store, searchParams })
    expect(response.status).toBe(200)
    expect(response.contentType).toMatch(/^application\/json/)
    expect(reportSchema.parse(JSON.parse(response.body))).toEqual(await buildReport({ store, from, to, by: ['workflow'] }))
  })

  it('answers CSV and critical paths on request', async () => {
    const csv = await handleReportRequest({ store, searchParams: new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), by: 'step', format: 'csv' }) })
    expect(csv).toMatchObject({ status: 200, contentType: 'text/csv; charset=utf-8' })
    expect(csv.body.split('\n')[0]).toMatch(/^step,calls,/)
    const path = await handleReportRequest({ store, searchParams: new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), critical_path: 'fanout' }) })
    expect(JSON.parse(path.body)).toMatchObject({ kind: 'critical-path', workflow: 'fanout', runs: 2 })
  })

  it('answers 400 naming the parameter for a bad grouping, window or unknown parameter', async () => {
    const badBy = await handleReportRequest({ store, searchParams: new URLSearchParams({ by: 'colour' }) })
    expect(badBy.status).toBe(400)
    expect(JSON.parse(badBy.body)).toEqual({ error: 'by accepts workflow, step, provider, model, route or tag:<key> (got "colour")', option: 'by' })
    const badSince = await handleReportRequest({ store, searchParams: new URLSearchParams({ since: 'yesterday' }) })
    expect(JSON.parse(badSince.body)).toMatchObject({ option: 'since' })
    const unknown = await handleReportRequest({ store, searchParams: new URLSearchParams({ group: 'workflow' }) })
    expect(unknown.status).toBe(400)
    expect(JSON.parse(unknown.body).error).toMatch(/unknown parameter "group"/)
  })

  it('answers 400 naming the parameter to odd times, a repeated parameter or a fifth by, reading no further', async () => {
    const answer = async (query: string): Promise<unknown> => {
      const response = await handleReportRequest({ store, searchParams: new URLSearchParams(query) })
      return { status: response.status, body: JSON.parse(response.body) }
    }
    expect(await answer('from=2024&to=2025-01-01')).toEqual({ status: 400, body: { error: 'from must be an ISO 8601 instant such as 2026-03-10T09:00:00Z or 2026-03-10 (got "2024")', option: 'from' } })
    expect(await answer('from=2025-01-01&to=-1')).toEqual({ status: 400, body: { error: 'to must be an ISO 8601 instant such as 2026-03-10T09:00:00Z or 2026-03-10 (got "-1")', option: 'to' } })
    expect(await answer('from=2024-02-31')).toEqual({ status: 400, body: { error: 'from must name a day of the calendar (2024-02-31 is not one) (got "2024-02-31")', option: 'from' } })
    expect(await answer('from=2025-01-01&to=2024-01-01')).toMatchObject({ status: 400, body: { option: 'from', error: expect.stringMatching(/must be before to/) } })
    expect(await answer('limit=1e3')).toMatchObject({ status: 400, body: { option: 'limit' } })
    expect(await answer('since=1h&since=2h')).toEqual({ status: 400, body: { error: 'since is given more than once; give it once', option: 'since' } })
    const fiveBy = Array.from({ length: 100_000 }, () => 'by=workflow').join('&')
    expect(await answer(fiveBy)).toEqual({ status: 400, body: { error: 'by is given more than 4 times; a report has at most 4 groupings', option: 'by' } })
    expect(await answer(`since=1h&${'x'.repeat(100)}=1`)).toEqual({ status: 400, body: { error: expect.stringMatching(/^unknown parameter "x{40}\.\.\.": use since, from/), option: 'x'.repeat(40) } })
  })
})

function runCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'report', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('switchyard report', () => {
  it('refuses bad flags with a message that names them', async () => {
    const errors: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((message: unknown) => { errors.push(String(message)) })
    const run = (...args: string[]): Promise<number> => {
      diag.disable() // runCli installs its diagnostics logger on every call
      return runCli(['report', ...args])
    }
    try {
      expect(await run('--by', 'workflow,colour')).toBe(1)
      expect(await run('--since', '24h', '--from', '2025-01-01')).toBe(1)
      expect(await run('--format', 'xml')).toBe(1)
      expect(await run('--store', 'chdb://x', '--collector', 'http://127.0.0.1:1')).toBe(1)
      expect(await run('--from', 'last tuesday')).toBe(1)
      expect(await run('--colour')).toBe(1)
      expect(await run('--limit', '0')).toBe(1)
    } finally {
      diag.disable()
      spy.mockRestore()
    }
    expect(errors).toEqual([
      'switchyard report: --by accepts workflow, step, provider, model, route or tag:<key> (got "colour")',
      'switchyard report: --since cannot be combined with --from/--to: give a duration or a time range',
      'switchyard report: --format must be one of table, json, csv (got "xml")',
      'switchyard report: give --store or --collector, not both: --collector asks a running collector, --store opens the store itself',
      'switchyard report: --from must be an ISO 8601 instant such as 2026-03-10T09:00:00Z or 2026-03-10 (got "last tuesday")',
      expect.stringMatching(/^switchyard report: Unknown option '--colour'/),
      'switchyard report: --limit must be a whole number from 1 to 100000 (got "0")',
    ])
  })

  it('asks a running collector with --collector when the store is embedded in it', async () => {
    const server: Server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      if (url.pathname !== '/v1/report') {
        response.writeHead(404).end()
        return
      }
      void handleReportRequest({ store, searchParams: url.searchParams }).then((answer) => {
        response.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const collector = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const result = await runCommand(['--collector', collector, '--by', 'workflow', '--from', from.toISOString(), '--to', to.toISOString()])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^triage +7 +2 +2\.4k tok +540 tok +\$0\.0340 +\$0\.0170 +250 ms +370 ms +394 ms +40 ms +28\.6% +14\.3% +14\.3%$/m)
      // The same client in this process (no second spawn): a critical path as JSON.
      const written: string[] = []
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      })
      try {
        diag.disable()
        expect(await runCli(['report', '--collector', collector, '--critical-path', 'fanout', '--format', 'json', '--from', from.toISOString(), '--to', to.toISOString()])).toBe(0)
      } finally {
        write.mockRestore()
        diag.disable()
      }
      expect(JSON.parse(written.join(''))).toMatchObject({ kind: 'critical-path', workflow: 'fanout', runs: 2, meanRunMs: 175 })
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('reads the store directly and prints an aligned table (after this process lets go of the store)', async () => {
    await store.close()
    const result = await runCommand(['--store', `chdb://${directory.path}`, '--by', 'workflow,step', '--from', from.toISOString(), '--to', to.toISOString()])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    const table = lines.slice(2, lines.indexOf('', 2))
    expect(new Set(table.map((line) => line.length)).size).toBe(1)
    expect(table[0]).toMatch(/^workflow +step +calls/)
    expect(table.find((line) => line.startsWith('triage') && line.includes(' plan '))!.replace(/ +/g, ' '))
      .toBe('triage plan 4 2 2 2.0k tok 500 tok $0.0300 $0.0150 $0.0150 275 ms 385 ms 397 ms - 50.0% 25.0% 25.0%')
  })
})
