import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/create-store.js'
import { migrate } from '../../src/store/migrate.js'
import { insertRows } from '../report/report-fixture.js'
import { workflowRunRows } from '../report/workflow-span-rows.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { fieldLinks, loadDashboards, type Dashboard, type Panel } from './dashboard-files.js'
import { expandGrafanaQuery, type VariableState } from './expand-grafana-query.js'
import { realisticRuns } from './realistic-runs.js'

/**
 * The columns each panel's query must return, in order. A time series lists
 * `time`, then its label columns (strings: one series each), then its values; a
 * table lists its named columns. A panel missing here fails the test, so a new
 * panel comes with its expectation.
 */
const expectedColumns: Record<string, { columns: string[]; labels?: string[] }> = {
  'switchyard-spend/Spend': { columns: ['cost_usd'] },
  'switchyard-spend/Workflow runs': { columns: ['runs'] },
  'switchyard-spend/Cost per run': { columns: ['cost_per_run_usd'] },
  'switchyard-spend/Model calls': { columns: ['calls'] },
  'switchyard-spend/Spend by workflow': { columns: ['time', 'workflow', 'cost_usd'], labels: ['workflow'] },
  'switchyard-spend/Spend by step': { columns: ['time', 'step', 'cost_usd'], labels: ['step'] },
  'switchyard-spend/Cost per run by workflow': { columns: ['workflow', 'runs', 'calls', 'cost_usd', 'cost_per_run_usd', 'calls_per_run', 'tokens_per_run'] },
  'switchyard-spend/Top cost steps': { columns: ['workflow', 'step', 'calls', 'runs', 'workflow_runs', 'cost_usd', 'cost_per_run_usd', 'cost_per_workflow_run_usd', 'share_of_spend'] },
  'switchyard-spend/Budget use': { columns: ['budget', 'calls', 'cost_usd', 'warned', 'downgraded', 'blocked', 'spent_usd', 'limit_usd', 'used'] },
  'switchyard-spend/Budget decisions': { columns: ['time', 'decision', 'decisions'], labels: ['decision'] },
  'switchyard-spend/Requests refused or downgraded by budget': { columns: ['workflow', 'step', 'calls', 'refused_requests', 'downgraded_requests'] },
  'switchyard-spend/Spend by tag $tag_key': { columns: ['tag_value', 'calls', 'runs', 'cost_usd', 'cost_per_run_usd'] },
  'switchyard-routing/Latency by provider/model': { columns: ['time', 'target', 'p50_ms', 'p95_ms', 'p99_ms'], labels: ['target'] },
  'switchyard-routing/Time to first token by provider/model': { columns: ['time', 'target', 'ttft_p50_ms', 'ttft_p95_ms'], labels: ['target'] },
  'switchyard-routing/Error rate by provider/model': { columns: ['time', 'target', 'error_rate'], labels: ['target'] },
  'switchyard-routing/Retry and fallback rate by route': { columns: ['time', 'route', 'retry_rate', 'fallback_rate'], labels: ['route'] },
  'switchyard-routing/Breaker-open rate by route': { columns: ['time', 'route', 'breaker_open_rate'], labels: ['route'] },
  'switchyard-routing/Providers and models': { columns: ['provider', 'model', 'calls', 'p50_ms', 'p95_ms', 'p99_ms', 'ttft_p50_ms', 'error_rate', 'retry_rate', 'fallback_rate', 'cost_usd'] },
  'switchyard-routing/Errors by type': { columns: ['provider', 'model', 'error_type', 'calls', 'last_seen'] },
  'switchyard-runs/Recent runs': { columns: ['started', 'workflow', 'run_id', 'trace_id', 'duration_ms', 'calls', 'cost_usd', 'errors', 'retries', 'fallbacks', 'input_tokens', 'output_tokens'] },
  'switchyard-runs/Runs': { columns: ['time', 'workflow', 'runs'], labels: ['workflow'] },
  'switchyard-runs/Run duration': { columns: ['time', 'workflow', 'p50_duration_ms', 'p95_duration_ms'], labels: ['workflow'] },
  'switchyard-runs/Duration and cost per run by workflow': { columns: ['workflow', 'runs', 'p50_duration_ms', 'p95_duration_ms', 'cost_per_run_usd'] },
  'switchyard-runs/Step duration': { columns: ['workflow', 'step', 'runs', 'p50_duration_ms', 'p95_duration_ms', 'max_duration_ms'] },
}

/** One value of every variable, chosen so that every panel still has rows. */
const singleValues: Record<string, string> = {
  workflow: 'support-triage',
  provider: 'openai',
  model: 'gpt-4.1-mini',
  tag: 'tenant=acme',
  tag_key: 'tenant',
}

const traceViewColumns = ['traceID', 'spanID', 'parentSpanID', 'serviceName', 'operationName', 'startTime', 'duration', 'tags', 'serviceTags', 'kind', 'statusCode', 'statusMessage']

const directory = makeTempDirectory('dashboards')
const to = new Date()
const from = new Date(to.getTime() - 6 * 3_600_000)
const intervalSeconds = 60
const runs = realisticRuns(to.getTime())
const dashboards = loadDashboards()
const panels = dashboards.flatMap(({ dashboard }) => dashboard.panels.map((panel) => ({ key: `${dashboard.uid}/${panel.title}`, dashboard, panel })))
let store: Store
let modelCallCount = 0
let totalCost = 0

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  const rows = runs.flatMap((run) => workflowRunRows(run))
  modelCallCount = rows.filter((row) => row.SpanKind === 'Client').length
  totalCost = runs.flatMap((run) => run.steps.flatMap((step) => (step.requests ?? []).flatMap((request) => request.attempts)))
    .reduce((sum, attempt) => sum + Number(attempt.costUsd ?? '0'), 0)
  await insertRows(store, rows, 'dashboard-fixture')
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

interface QueryResult {
  meta: { name: string; type: string }[]
  data: Record<string, unknown>[]
}

async function run(sql: string, what: string): Promise<QueryResult> {
  try {
    const result = await store.client.query({ query: sql, format: 'JSON' })
    return await result.json<Record<string, unknown>>() as unknown as QueryResult
  } catch (error) {
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}\n--- expanded SQL ---\n${sql}`)
  }
}

/** Each variable's options from its own query, in dashboard order, the earlier ones on All or their chosen value. */
async function resolveVariables(dashboard: Dashboard, choose: (name: string) => string | undefined): Promise<Record<string, VariableState>> {
  const variables: Record<string, VariableState> = {}
  for (const variable of dashboard.templating.list) {
    const sql = expandGrafanaQuery(variable.query.rawSql, { from, to, intervalSeconds, variables })
    const result = await run(sql, `variable ${variable.name} of ${dashboard.uid}`)
    const options = result.data.map((row) => String(Object.values(row)[0]))
    const chosen = choose(variable.name)
    variables[variable.name] = {
      options,
      current: chosen !== undefined ? [chosen] : variable.includeAll ? ['$__all'] : options.slice(0, 1),
    }
  }
  return variables
}

async function runPanel(dashboard: Dashboard, panel: Panel, variables: Record<string, VariableState>): Promise<QueryResult> {
  const target = panel.targets[0]!
  const sql = expandGrafanaQuery(target.rawSql, { from, to, intervalSeconds, variables })
  return run(sql, `panel "${panel.title}" of ${dashboard.uid}`)
}

const numericType = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/

/** The checks every panel's result must pass, besides its columns. */
function expectSaneValues(key: string, panel: Panel, result: QueryResult): void {
  const expected = expectedColumns[key]!
  const types = Object.fromEntries(result.meta.map((column) => [column.name, column.type]))
  const timeSeries = panel.targets[0]!.format === 0
  if (timeSeries) expect(types.time, `${key}: time column`).toMatch(/^DateTime/)
  for (const label of expected.labels ?? []) expect(types[label], `${key}: label ${label}`).toMatch(/String/)
  const valueColumns = timeSeries ? expected.columns.filter((name) => name !== 'time' && !(expected.labels ?? []).includes(name)) : []
  for (const name of valueColumns) expect(types[name], `${key}: value column ${name}`).toMatch(numericType)
  for (const row of result.data) {
    for (const [name, type] of Object.entries(types)) {
      const value = row[name]
      if (!numericType.test(type) || value === null) continue
      const number = Number(value)
      expect(Number.isFinite(number), `${key}: ${name} = ${String(value)}`).toBe(true)
      expect(number, `${key}: ${name} is not negative`).toBeGreaterThanOrEqual(0)
      // `used` (spent / limit of a budget) may pass 1: that is the budget being over its limit.
      if (/_rate$|^share_of_spend$/.test(name)) expect(number, `${key}: ${name} is a fraction`).toBeLessThanOrEqual(1)
    }
    const ordered = (names: string[]): void => {
      const values = names.filter((name) => name in row && row[name] !== null).map((name) => Number(row[name]))
      for (let index = 1; index < values.length; index += 1) expect(values[index], `${key}: ${names.join(' <= ')}`).toBeGreaterThanOrEqual(values[index - 1]! - 1e-9)
    }
    ordered(['p50_ms', 'p95_ms', 'p99_ms'])
    ordered(['ttft_p50_ms', 'ttft_p95_ms'])
    ordered(['p50_duration_ms', 'p95_duration_ms', 'max_duration_ms'])
    if (timeSeries) {
      const time = Date.parse(`${String(row.time).replace(' ', 'T')}Z`)
      expect(time, `${key}: time inside the range`).toBeGreaterThanOrEqual(from.getTime() - intervalSeconds * 1000)
      expect(time).toBeLessThanOrEqual(to.getTime())
    }
  }
}

describe('dashboard files', () => {
  it('hold the three dashboards, each panel with an expectation in this test', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.uid).sort()).toEqual(['switchyard-routing', 'switchyard-runs', 'switchyard-spend'])
    expect(panels.map(({ key }) => key).sort()).toEqual(Object.keys(expectedColumns).sort())
  })

  it('query the provisioned ClickHouse data source, with workflow, provider, model and tag variables on every dashboard', () => {
    for (const { dashboard } of dashboards) {
      for (const panel of dashboard.panels) expect(panel.datasource, panel.title).toEqual({ type: 'grafana-clickhouse-datasource', uid: 'switchyard-clickhouse' })
      expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(expect.arrayContaining(['workflow', 'provider', 'model', 'tag']))
      for (const variable of dashboard.templating.list) expect(variable.datasource.uid).toBe('switchyard-clickhouse')
    }
  })
})

describe.each(dashboards.map(({ dashboard }) => dashboard))('$uid', (dashboard) => {
  it('offers values for every variable from its own query', async () => {
    const variables = await resolveVariables(dashboard, () => undefined)
    for (const [name, variable] of Object.entries(variables)) expect(variable.options.length, `variable ${name}`).toBeGreaterThan(0)
    expect(variables.workflow?.options).toEqual(['coding', 'research', 'support-triage'])
    expect(variables.tag?.options).toEqual(expect.arrayContaining(['tenant=acme', 'tenant=globex', 'feature=helpdesk']))
  })

  it.each(dashboard.panels.map((panel) => ({ title: panel.title, panel })))('panel $title returns its columns and sane values with every variable on All', async ({ panel }) => {
    const key = `${dashboard.uid}/${panel.title}`
    const variables = await resolveVariables(dashboard, () => undefined)
    const result = await runPanel(dashboard, panel, variables)
    expect(result.meta.map((column) => column.name), key).toEqual(expectedColumns[key]?.columns)
    expect(result.data.length, `${key} has rows`).toBeGreaterThan(0)
    expectSaneValues(key, panel, result)
  })

  it.each(dashboard.panels.map((panel) => ({ title: panel.title, panel })))('panel $title returns its columns with one value of each variable', async ({ panel }) => {
    const key = `${dashboard.uid}/${panel.title}`
    const variables = await resolveVariables(dashboard, (name) => singleValues[name])
    for (const [name, value] of Object.entries(singleValues)) {
      if (variables[name] !== undefined) expect(variables[name].options, `variable ${name} offers ${value}`).toContain(value)
    }
    const result = await runPanel(dashboard, panel, variables)
    expect(result.meta.map((column) => column.name), key).toEqual(expectedColumns[key]?.columns)
    expect(result.data.length, `${key} has rows`).toBeGreaterThan(0)
    expectSaneValues(key, panel, result)
  })
})

/** The runs with a request whose budget decision, on its route span, was `action`. */
function requestsWith(action: 'block' | 'downgrade'): typeof runs {
  return runs.filter((run) => run.steps.some((step) => (step.requests ?? []).some((request) => request.budget?.action === action)))
}

describe('panel figures', () => {
  const spend = dashboards.find(({ dashboard }) => dashboard.uid === 'switchyard-spend')!.dashboard
  const panel = (dashboard: Dashboard, title: string): Panel => dashboard.panels.find((candidate) => candidate.title === title)!

  it('add up to the spans inserted: spend and calls over the whole range', async () => {
    const variables = await resolveVariables(spend, () => undefined)
    const [cost] = (await runPanel(spend, panel(spend, 'Spend'), variables)).data
    expect(Number(cost?.cost_usd)).toBeCloseTo(totalCost, 6)
    const [calls] = (await runPanel(spend, panel(spend, 'Model calls'), variables)).data
    expect(Number(calls?.calls)).toBe(modelCallCount)
    const [runCount] = (await runPanel(spend, panel(spend, 'Workflow runs'), variables)).data
    expect(Number(runCount?.runs)).toBe(runs.length)
  })

  it('give a step\'s cost per run it made a call in, and per run of its workflow', async () => {
    const rows = (await runPanel(spend, panel(spend, 'Top cost steps'), await resolveVariables(spend, () => undefined))).data
    const edit = rows.find((row) => row.workflow === 'coding' && row.step === 'edit')!
    const codingRuns = runs.filter((run) => run.workflow === 'coding').length
    // The runs whose edit request was refused made no edit call.
    expect(Number(edit.runs)).toBe(codingRuns - requestsWith('block').length)
    expect(Number(edit.workflow_runs)).toBe(codingRuns)
    expect(Number(edit.cost_per_run_usd)).toBeCloseTo(Number(edit.cost_usd) / Number(edit.runs), 9)
    expect(Number(edit.cost_per_workflow_run_usd)).toBeCloseTo(Number(edit.cost_usd) / codingRuns, 9)
  })

  it('narrow to the chosen workflow', async () => {
    const variables = await resolveVariables(spend, (name) => (name === 'workflow' ? 'coding' : undefined))
    const rows = (await runPanel(spend, panel(spend, 'Cost per run by workflow'), variables)).data
    expect(rows.map((row) => row.workflow)).toEqual(['coding'])
    expect(Number(rows[0]?.runs)).toBe(runs.filter((run) => run.workflow === 'coding').length)
  })

  it('show budget decisions up to a block', async () => {
    const variables = await resolveVariables(spend, () => undefined)
    const rows = (await runPanel(spend, panel(spend, 'Budget use'), variables)).data
    const byBudget = Object.fromEntries(rows.map((row) => [row.budget, row]))
    expect(Object.keys(byBudget).sort()).toEqual(['coding-daily', 'support-monthly'])
    // A refused request made no call: it is counted from its route span.
    expect(Number(byBudget['coding-daily']?.blocked)).toBe(requestsWith('block').length)
    expect(Number(byBudget['support-monthly']?.warned)).toBeGreaterThan(0)
    expect(Number(byBudget['support-monthly']?.downgraded)).toBe(requestsWith('downgrade').length)
    const decisions = (await runPanel(spend, panel(spend, 'Budget decisions'), variables)).data
    const blocks = decisions.filter((row) => row.decision === 'coding-daily: block').reduce((sum, row) => sum + Number(row.decisions), 0)
    expect(blocks).toBe(requestsWith('block').length)
  })

  it('show requests a budget refused or downgraded beside the calls of their workflow and step', async () => {
    const refused = requestsWith('block')
    expect(refused.length).toBeGreaterThan(0)
    const rows = (await runPanel(spend, panel(spend, 'Requests refused or downgraded by budget'), await resolveVariables(spend, () => undefined))).data
    const row = (workflow: string, step: string): Record<string, unknown> | undefined => rows.find((candidate) => candidate.workflow === workflow && candidate.step === step)
    expect(Number(row('coding', 'edit')?.refused_requests)).toBe(refused.length)
    expect(Number(row('coding', 'edit')?.calls)).toBe(runs.filter((run) => run.workflow === 'coding').length - refused.length)
    expect(Number(row('support-triage', 'plan')?.downgraded_requests)).toBe(requestsWith('downgrade').length)
    expect(rows.reduce((sum, candidate) => sum + Number(candidate.refused_requests), 0)).toBe(refused.length)
    // The tag filter reads the tags the router puts on a refused request's route span.
    const acme = (await runPanel(spend, panel(spend, 'Requests refused or downgraded by budget'), await resolveVariables(spend, (name) => (name === 'tag' ? 'tenant=acme' : undefined)))).data
    expect(acme.reduce((sum, candidate) => sum + Number(candidate.refused_requests), 0)).toBe(refused.filter((run) => run.tags?.tenant === 'acme').length)
    // No provider was chosen for a refused request: choosing one leaves them out.
    const openai = (await runPanel(spend, panel(spend, 'Requests refused or downgraded by budget'), await resolveVariables(spend, (name) => (name === 'provider' ? 'openai' : undefined)))).data
    expect(openai.reduce((sum, candidate) => sum + Number(candidate.refused_requests), 0)).toBe(0)
  })

  it('show retries, fallbacks and an open breaker on the routing dashboard', async () => {
    const routing = dashboards.find(({ dashboard }) => dashboard.uid === 'switchyard-routing')!.dashboard
    const variables = await resolveVariables(routing, () => undefined)
    const rows = (await runPanel(routing, panel(routing, 'Providers and models'), variables)).data
    const target = (provider: string, model: string): Record<string, unknown> | undefined => rows.find((row) => row.provider === provider && row.model === model)
    expect(Number(target('openai', 'gpt-4.1')?.fallback_rate)).toBeGreaterThan(0)
    expect(Number(target('openai', 'gpt-4.1-mini')?.retry_rate)).toBeGreaterThan(0)
    expect(Number(target('anthropic', 'claude-sonnet-4')?.error_rate)).toBeGreaterThan(0)
    const breaker = (await runPanel(routing, panel(routing, 'Breaker-open rate by route'), variables)).data
    expect(breaker.some((row) => row.route === 'strong' && Number(row.breaker_open_rate) > 0)).toBe(true)
  })

  it('count a retry on the target a request fell back to as a retry, not as another fallback', async () => {
    const routing = dashboards.find(({ dashboard }) => dashboard.uid === 'switchyard-routing')!.dashboard
    const rows = (await runPanel(routing, panel(routing, 'Providers and models'), await resolveVariables(routing, () => undefined))).data
    const flash = rows.find((row) => row.model === 'gemini-2.5-flash')!
    // Each such request: haiku fails, flash fails (a fallback: a change of target), flash answers (a retry on it).
    const requests = runs.filter((run) => run.steps.some((step) => (step.requests ?? []).some((request) => request.attempts.length === 3 && request.attempts[1]?.model === 'gemini-2.5-flash'))).length
    expect(requests).toBeGreaterThan(0)
    const calls = Number(flash.calls)
    expect(Math.round(Number(flash.fallback_rate) * calls)).toBe(requests)
    expect(Math.round(Number(flash.retry_rate) * calls)).toBe(requests)
    const recent = dashboards.find(({ dashboard }) => dashboard.uid === 'switchyard-runs')!.dashboard
    const runRows = (await runPanel(recent, panel(recent, 'Recent runs'), await resolveVariables(recent, () => undefined))).data
    const research = runRows.filter((row) => row.workflow === 'research' && Number(row.calls) === 3)
    expect(research.length).toBe(requests)
    for (const row of research) expect([Number(row.retries), Number(row.fallbacks)]).toEqual([1, 1])
  })

  it('still count a fallback onto the selected provider as a fallback (attempt 1 is found before narrowing)', async () => {
    const routing = dashboards.find(({ dashboard }) => dashboard.uid === 'switchyard-routing')!.dashboard
    const all = (await runPanel(routing, panel(routing, 'Providers and models'), await resolveVariables(routing, () => undefined))).data
    const openaiOnly = (await runPanel(routing, panel(routing, 'Providers and models'), await resolveVariables(routing, (name) => (name === 'provider' ? 'openai' : undefined)))).data
    expect(openaiOnly.every((row) => row.provider === 'openai')).toBe(true)
    const gpt = (rows: Record<string, unknown>[]): number => Number(rows.find((row) => row.model === 'gpt-4.1')?.fallback_rate)
    expect(gpt(openaiOnly)).toBeGreaterThan(0)
    expect(gpt(openaiOnly)).toBe(gpt(all))
  })
})

describe('workflow runs trace link', () => {
  it('opens the trace view query for a run: every span of its trace, in the columns Grafana\'s trace view reads', async () => {
    const dashboard = dashboards.find(({ dashboard: candidate }) => candidate.uid === 'switchyard-runs')!.dashboard
    const recent = dashboard.panels.find((panel) => panel.title === 'Recent runs')!
    const links = fieldLinks(recent)
    expect(links.map(({ field }) => field)).toEqual(['trace_id'])
    const link = links[0]!.link
    expect(link.internal).toMatchObject({ datasourceUid: 'switchyard-clickhouse', query: { format: 3 } })
    const variables = await resolveVariables(dashboard, () => undefined)
    const [latest] = (await runPanel(dashboard, recent, variables)).data
    const traceId = String(latest?.trace_id)
    const sql = expandGrafanaQuery(link.internal!.query.rawSql, { from, to, intervalSeconds, variables, scoped: { '__value.raw': traceId } })
    const trace = await run(sql, 'the trace link query')
    expect(trace.meta.map((column) => column.name)).toEqual(traceViewColumns)
    const counted = await run(`SELECT count() AS spans FROM otel_traces WHERE TraceId = '${traceId}'`, 'span count')
    expect(trace.data.length).toBe(Number(counted.data[0]?.spans))
    const spanIds = new Set(trace.data.map((span) => span.spanID))
    for (const span of trace.data) expect(span.parentSpanID === '' || spanIds.has(span.parentSpanID)).toBe(true)
    expect(trace.data.filter((span) => span.parentSpanID === '').map((span) => span.operationName)).toEqual([`invoke_workflow ${String(latest?.workflow)}`])
    expect(trace.data.every((span) => Array.isArray(span.tags) && typeof span.startTime === 'number')).toBe(true)
  })
})
