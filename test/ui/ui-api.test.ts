import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import type { RunSummary } from '../../src/ui/list-runs.js'
import type { RunWaterfall } from '../../src/ui/run-waterfall.js'
import { hostile, openUiFixture, type UiFixture } from './ui-fixture.js'

let fixture: UiFixture
let runs: RunSummary[]

beforeAll(async () => {
  fixture = await openUiFixture({ prefix: 'ui-api', extraRuns: 20 })
  const answer = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&limit=1000')
  runs = answer.body.runs
}, 180_000)
afterAll(() => fixture?.close())

async function getJson<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${fixture.server.url}${path}`, init)
  return { status: response.status, body: await response.json() as T, headers: response.headers }
}

/** Exact decimal sum, in pico-USD. */
function picoUsd(text: string): bigint {
  const [whole, fraction = ''] = text.split('.')
  return BigInt(whole!) * 10n ** 12n + BigInt(fraction.padEnd(12, '0').slice(0, 12))
}

function rawRequest(options: { path: string; method?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  const url = new URL(fixture.server.url)
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path: options.path, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    request.on('error', reject)
    request.end()
  })
}

describe('web view JSON endpoints after a demo run', () => {
  it('lists the runs of both demo workflows, each with calls, cost and a link id', () => {
    expect(new Set(runs.map((run) => run.workflow))).toEqual(new Set(['support-triage', 'coding-assistant']))
    expect(runs.length).toBe(130)
    for (const run of runs) {
      expect(run.runId).toMatch(/^[0-9a-f-]{36}$/)
      expect(run.calls).toBeGreaterThan(0)
      expect(picoUsd(run.costUsd)).toBeGreaterThan(0n)
    }
    expect(runs.some((run) => run.fallbacks > 0)).toBe(true)
    expect(runs.some((run) => run.refused > 0)).toBe(true)
    const starts = runs.map((run) => run.startMs)
    expect(starts).toEqual([...starts].sort((left, right) => right - left))
  })

  it('adds up, per workflow, to the report\'s cost and calls for the same window', async () => {
    const overview = await getJson<{ window: { from: string; to: string }; byWorkflow: { rows: { group: { workflow: string }; costUsd: string; calls: number }[] } }>('/ui/api/overview?window=1h')
    expect(overview.status).toBe(200)
    const report = await buildReport({ store: fixture.store, from: overview.body.window.from, to: overview.body.window.to, by: ['workflow'] })
    expect(overview.body.byWorkflow.rows.map((row) => [row.group.workflow, row.costUsd, row.calls]))
      .toEqual(report.rows.map((row) => [row.group.workflow, row.costUsd, row.calls]))
    for (const row of overview.body.byWorkflow.rows) {
      const own = runs.filter((run) => run.workflow === row.group.workflow)
      expect(own.reduce((sum, run) => sum + picoUsd(run.costUsd), 0n)).toBe(picoUsd(row.costUsd))
      expect(own.reduce((sum, run) => sum + run.calls, 0)).toBe(row.calls)
    }
  })

  it('draws the overview: spend over time per workflow, steps, providers and the configured budgets', async () => {
    const { body } = await getJson<{
      spend: { times: number[]; series: { workflow: string; costUsd: string[] }[] }
      byStep: { rows: { group: Record<string, string> }[] }
      byModel: { rows: { group: Record<string, string>; p95Ms: number | null; errorRate: number }[] }
      budgets: { name: string; spentUsd: string; limitUsd: string; burnRateUsdPerHour: string }[]
      total: { costUsd: string }
    }>('/ui/api/overview?window=1h')
    expect(body.spend.times).toHaveLength(60)
    expect(body.spend.series.map((series) => series.workflow).sort()).toEqual(['coding-assistant', 'support-triage'])
    const charted = body.spend.series.flatMap((series) => series.costUsd).reduce((sum, value) => sum + picoUsd(value), 0n)
    expect(charted).toBe(picoUsd(body.total.costUsd))
    expect(body.byStep.rows.map((row) => `${row.group.workflow}/${row.group.step}`)).toEqual(expect.arrayContaining(['support-triage/plan', 'coding-assistant/edit']))
    expect(body.byModel.rows.some((row) => row.group.provider === 'anthropic' && row.errorRate > 0)).toBe(true)
    const allSpend = body.budgets.find((budget) => budget.name === 'all-spend-hourly')
    expect(allSpend?.limitUsd).toBe('2')
    expect(picoUsd(allSpend!.spentUsd)).toBe(picoUsd(body.total.costUsd))
    expect(picoUsd(allSpend!.burnRateUsdPerHour)).toBeGreaterThan(0n)
  })

  it('answers a run\'s waterfall: its steps, routes and calls with costs, fallbacks after failed attempts, and the critical path', async () => {
    const run = runs.find((candidate) => candidate.workflow === 'support-triage' && candidate.fallbacks > 0)!
    const { status, body } = await getJson<RunWaterfall>(`/ui/api/runs/${encodeURIComponent(run.runId)}`)
    expect(status).toBe(200)
    expect(body.run).toMatchObject({ runId: run.runId, workflow: 'support-triage' })
    expect(body.spans[0]).toMatchObject({ kind: 'workflow', depth: 0, startMs: 0 })
    const steps = body.spans.filter((span) => span.kind === 'step').map((span) => span.name)
    expect(steps).toEqual(expect.arrayContaining(['step classify', 'step execute', 'step verify']))
    const calls = body.spans.filter((span) => span.kind === 'call')
    expect(calls.length).toBe(run.calls)
    expect(body.totals).toMatchObject({ calls: run.calls, costUsd: run.costUsd, fallbacks: run.fallbacks, retries: run.retries })
    expect(calls.reduce((sum, span) => sum + picoUsd(span.call!.costUsd), 0n)).toBe(picoUsd(run.costUsd))
    for (const span of calls) {
      expect(span.call!.provider).not.toBe('')
      expect(span.attributes['gen_ai.request.model']).toBe(span.call!.model)
      expect(body.spans.find((parent) => parent.id === span.parentId)?.kind).toBe('route')
    }
    const fallback = calls.find((span) => span.call!.attemptKind === 'fallback')!
    const failedBefore = calls.find((span) => span.parentId === fallback.parentId && span.call!.attempt === fallback.call!.attempt - 1)!
    expect(failedBefore.status).toBe('Error')
    expect(fallback.startMs).toBeGreaterThanOrEqual(failedBefore.startMs + failedBefore.durationMs - 1)
    const path = body.criticalPath
    expect(path.steps.map((step) => step.step)).toEqual(expect.arrayContaining(['classify', 'execute', 'verify']))
    expect(path.steps.reduce((sum, step) => sum + step.share, path.outsideShare)).toBeCloseTo(1, 3)
    expect(body.spans.filter((span) => span.critical).length).toBeGreaterThan(0)
  })

  it('filters runs by workflow, tag and status', async () => {
    const coding = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&workflow=coding-assistant&limit=1000')
    expect(coding.body.runs).toHaveLength(runs.filter((run) => run.workflow === 'coding-assistant').length)
    expect(new Set(coding.body.runs.map((run) => run.workflow))).toEqual(new Set(['coding-assistant']))
    const acme = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&tag=tenant%3Dacme&limit=1000')
    expect(acme.body.runs.length).toBeGreaterThan(0)
    expect(acme.body.runs.length).toBeLessThan(runs.length)
    const failing = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&status=error&limit=1000')
    expect(failing.body.runs.length).toBeGreaterThan(0)
    for (const run of failing.body.runs) expect(run.errors + run.refused > 0 || run.status === 'Error').toBe(true)
    const ok = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&status=ok&limit=1000')
    expect(ok.body.runs.length + failing.body.runs.length).toBe(runs.length)
    const limited = await getJson<{ runs: RunSummary[]; omittedRuns: number }>('/ui/api/runs?window=1h&limit=10')
    expect(limited.body).toMatchObject({ omittedRuns: runs.length - 10 })
    const older = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=24h&workflow=load-test&limit=1000')
    expect(older.body.runs).toHaveLength(20)
  })

  it('returns what a caller put on its spans as data, unchanged: the page writes it as text', async () => {
    const { body } = await getJson<RunWaterfall>(`/ui/api/runs/${hostile.runId}`)
    expect(body.run.workflow).toBe(hostile.workflow)
    const call = body.spans.find((span) => span.kind === 'call')!
    expect(call.attributes['gen_ai.response.id']).toBe(hostile.attribute)
  })
})

describe('web view refusals', () => {
  const badRequests: [string, string, RegExp][] = [
    ['a run id with a space', '/ui/api/runs/a%20b', /run id/],
    ['a run id past 200 characters', `/ui/api/runs/${'x'.repeat(201)}`, /run id/],
    ['a run id in broken percent-encoding', '/ui/api/runs/%E0%A4%A', /percent-encoding/],
    ['a run id with control characters', '/ui/api/runs/a%00b', /run id/],
    ['query parameters on a run', '/ui/api/runs/abc?x=1', /no query parameters/],
    ['an unknown window', '/ui/api/overview?window=1y', /window must be one of 1h, 24h, 7d/],
    ['an unknown parameter', '/ui/api/runs?sort=cost', /unknown parameter "sort"/],
    ['a repeated parameter', '/ui/api/runs?workflow=a&workflow=b', /given twice/],
    ['a limit past 1000', '/ui/api/runs?limit=100000', /limit must be a whole number from 1 to 1000/],
    ['a negative limit', '/ui/api/runs?limit=-1', /limit/],
    ['a status that is not ok or error', '/ui/api/runs?status=1%20OR%201', /status must be ok or error/],
    ['SQL in a tag key', `/ui/api/runs?tag=${encodeURIComponent("tenant'] OR 1=1 --=x")}`, /tag must be key=value/],
    ['a tag without a value separator', '/ui/api/runs?tag=tenant', /tag must be key=value/],
    ['control characters in a workflow', '/ui/api/runs?workflow=a%0Ab', /control characters/],
    ['a workflow past 256 characters', `/ui/api/runs?workflow=${'w'.repeat(300)}`, /at most 256/],
    ['a huge query string', `/ui/api/runs?workflow=${'w'.repeat(10_000)}`, /query string is too long/],
  ]
  it.each(badRequests)('answers 400 to %s, naming the problem', async (_name, path, message) => {
    const { status, body, headers } = await getJson<{ error: { message: string } }>(path)
    expect(status).toBe(400)
    expect(headers.get('content-type')).toMatch(/^application\/json/)
    expect(body.error.message).toMatch(message)
    expect(body.error.message.length).toBeLessThan(300)
  })

  it('lets Node refuse a request line past its header limit, and goes on serving', async () => {
    expect((await rawRequest({ path: `/ui/api/runs?workflow=${'w'.repeat(40_000)}` })).status).toBe(431)
    expect((await rawRequest({ path: '/ui/api/runs?window=1h&limit=1' })).status).toBe(200)
  })

  it('treats SQL in a workflow filter as a name that matches nothing', async () => {
    const { status, body } = await getJson<{ runs: RunSummary[] }>(`/ui/api/runs?workflow=${encodeURIComponent("x' OR 1=1 --")}`)
    expect(status).toBe(200)
    expect(body.runs).toEqual([])
  })

  it('answers 404 for a run the store does not hold, and for unknown paths', async () => {
    expect((await getJson<{ error: { message: string } }>('/ui/api/runs/no-such-run')).status).toBe(404)
    expect((await rawRequest({ path: '/ui/nothing' })).status).toBe(404)
    expect((await rawRequest({ path: '/ui/assets/../../package.json' })).status).toBe(404)
    expect((await rawRequest({ path: '/ui/assets/%2e%2e%2fpackage.json' })).status).toBe(404)
  })

  it('answers 400 on a page path with a bad run id, and refuses writes', async () => {
    expect((await rawRequest({ path: '/ui/runs/a%20b' })).status).toBe(400)
    const post = await rawRequest({ path: '/ui/api/runs', method: 'POST' })
    expect(post.status).toBe(405)
  })

  it('serves uPlot and its own assets from the package, with a strict content policy on pages', async () => {
    const uplot = await fetch(`${fixture.server.url}/ui/assets/uPlot.min.js`)
    expect(uplot.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await uplot.text()).toContain('uPlot')
    const page = await fetch(`${fixture.server.url}/ui/runs`)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('data-page="runs"')
  })

  it('answers only Host names of this machine on loopback (DNS rebinding)', async () => {
    const evil = await rawRequest({ path: '/ui/api/runs', headers: { host: 'attacker.example:4400' } })
    expect(evil.status).toBe(403)
    const local = await rawRequest({ path: '/ui/api/runs?window=1h&limit=1', headers: { host: 'localhost:4400' } })
    expect(local.status).toBe(200)
  })
})
