import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import type { RunSummary } from '../../src/ui/list-runs.js'
import type { RunWaterfall } from '../../src/ui/run-waterfall.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig } from '../gateway/start-test-gateway.js'

const directory = makeTempDirectory('ui-gateway-run')
const runId = 'gateway-run-7f3a'
let upstream: ProviderServer
let gateway: Gateway
const costs: string[] = []
const statuses: number[] = []

/** Exact decimal sum, in pico-USD. */
function picoUsd(text: string): bigint {
  const [whole, fraction = ''] = text.split('.')
  return BigInt(whole!) * 10n ** 12n + BigInt(fraction.padEnd(12, '0').slice(0, 12))
}

async function chat(step: string): Promise<void> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-workflow': 'gateway-agent', 'x-switchyard-run-id': runId, 'x-switchyard-step': step },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
  })
  statuses.push(response.status)
  await response.arrayBuffer()
  const cost = response.headers.get('x-switchyard-cost-usd')
  if (response.status === 200 && cost !== null) costs.push(cost)
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`)
  return { status: response.status, body: await response.json() as T }
}

/** Polls (at most 100 times, 100 ms apart) until the store holds what `ready` wants: spans reach it shortly after the answers. */
async function waitFor<T>(path: string, ready: (body: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const answer = await getJson<T>(path)
    if (answer.status === 200 && ready(answer.body)) return answer.body
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${path} never became ready`)
}

beforeAll(async () => {
  upstream = await startProviderServer()
  gateway = await startTestGateway(directory.path, {
    config: testConfig(upstream.url, { budgets: [{ name: 'no-extras', match: { step: 'extras' }, window: '1h', limitUsd: '0.000000001' }] }),
  })
  const body = fixtureJson('openai/chat-completion.json')
  // Two requests at once in `plan`, then one in `act`, then one the budget refuses.
  upstream.reply({ body, delayMs: 300 }, { body, delayMs: 300 })
  await Promise.all([chat('plan'), chat('plan')])
  upstream.reply({ body, delayMs: 50 })
  await chat('act')
  await chat('extras')
}, 60_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

describe('a run made through switchyard gateway, in the web view the gateway serves', () => {
  it('answered three calls and refused the fourth by the budget', () => {
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(costs).toHaveLength(3)
  })

  it('lists the run in /ui/api/runs from its calls, with their cost and the refused request', async () => {
    const list = await waitFor<{ runs: RunSummary[] }>('/ui/api/runs?window=1h', (body) => body.runs.some((run) => run.runId === runId && run.calls === 3 && run.refused === 1))
    const run = list.runs.find((entry) => entry.runId === runId)!
    expect(run).toMatchObject({ workflow: 'gateway-agent', hasWorkflowSpan: false, calls: 3, errors: 0, retries: 0, fallbacks: 0, refused: 1 })
    expect(picoUsd(run.costUsd)).toBe(costs.reduce((sum, cost) => sum + picoUsd(cost), 0n))
    expect(picoUsd(run.costUsd)).toBeGreaterThan(0n)
    expect(run.durationMs).toBeGreaterThanOrEqual(350)
    const failedRuns = await getJson<{ runs: RunSummary[] }>('/ui/api/runs?window=1h&workflow=gateway-agent&status=error')
    expect(failedRuns.body.runs.map((entry) => entry.runId)).toEqual([runId])
    const page = await fetch(`${gateway.url}/ui/runs/${runId}`)
    expect(page.status).toBe(200)
    expect(await page.text()).not.toContain(runId)
  })

  it('draws its waterfall: routes and calls under virtual steps from x-switchyard-step, parallel calls in plan', async () => {
    const waterfall = await waitFor<RunWaterfall>(`/ui/api/runs/${runId}`, (body) => body.totals.calls === 3 && body.totals.refused === 1)
    expect(waterfall.run.hasWorkflowSpan).toBe(false)
    expect(waterfall.stepsFromCalls).toBe(true)
    const steps = waterfall.spans.filter((span) => span.kind === 'step')
    expect(steps.map((span) => [span.name, span.virtual, span.depth])).toEqual([['step plan', true, 0], ['step act', true, 0], ['step extras', true, 0]])
    const calls = waterfall.spans.filter((span) => span.kind === 'call')
    expect(calls).toHaveLength(3)
    expect(calls.every((span) => span.depth === 2 && span.call!.model === 'gpt-4o-mini')).toBe(true)
    expect(calls.reduce((sum, span) => sum + picoUsd(span.call!.costUsd), 0n)).toBe(picoUsd(waterfall.totals.costUsd))
    const refused = waterfall.spans.filter((span) => span.kind === 'route' && span.budgetAction === 'block')
    expect(refused).toHaveLength(1)
    const plan = waterfall.criticalPath.steps.find((step) => step.step === 'plan')!
    // Both plan requests waited about 300 ms upstream at the same time.
    expect(plan.parallelCallsMs).toBeGreaterThan(200)
    expect(waterfall.criticalPath.steps.map((step) => step.step).sort()).toEqual(['act', 'extras', 'plan'])
  })
})
