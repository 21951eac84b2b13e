import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import type { RouterConfigInput } from '../../src/router/router-config.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { hex, jsonLines, modelCallRow } from '../store/store-suite.js'

const directory = makeTempDirectory('router-budgets')
let collector: Collector
let telemetry: Telemetry

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
  telemetry = startTelemetry({ endpoint: collector.url, serviceName: 'budget-test', scheduledDelayMillis: 50 })
})
afterAll(async () => {
  await telemetry?.shutdown()
  await collector?.close()
  directory.remove()
})

const quick = { medianMs: 5, p95Ms: 20 }

function budgetRouter(budgets: RouterConfigInput['budgets'], routes: RouterConfigInput['routes'] = {}): Router {
  return createRouter({
    providers: { openai: { type: 'simulated', seed: 7, providerName: 'openai', latencyMs: quick, timeToFirstTokenMs: quick, outputTokens: { min: 80, max: 100 } } },
    routes: {
      triage: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] },
      cheap: { targets: [{ provider: 'openai', model: 'gpt-4.1-nano' }] },
      ...routes,
    },
    budgets,
  }, { spendSource: createSpendSource({ store: collector.store }) })
}

async function storedSpend(workflow: string): Promise<string> {
  const result = await collector.store.client.query({
    query: 'SELECT toString(sum(CostUsd)) AS spend FROM llm_calls WHERE Workflow = {workflow:String}',
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ spend: string }>()
  return row?.spend ?? '0'
}

const messages = [{ role: 'user' as const, content: 'Route this ticket to the right queue, please.' }]

describe('budgets enforced by the router', () => {
  it('holds a small limit under 200 concurrent calls: refused calls throw, stored spend stays under, no reservation leaks', async () => {
    // gpt-4.1-mini: ~15 prompt tokens × $0.40/M + at most 100 output × $1.60/M ≈ $0.000166 per call;
    // $0.005 admits about 30 worst cases of 200.
    const router = budgetRouter([{ name: 'triage-hourly', match: { workflow: 'budget-storm' }, window: '1h', limitUsd: 0.005 }])
    await router.ready()
    const outcomes = await workflow('budget-storm', () => Promise.all(Array.from({ length: 200 }, () =>
      step('classify', () => router.chat({ route: 'triage', messages, maxTokens: 100 })).then(() => 'ok', (error: unknown) => error))))
    const refused = outcomes.filter(isBudgetExceededError)
    const succeeded = outcomes.filter((outcome) => outcome === 'ok')
    expect(refused.length + succeeded.length).toBe(200)
    expect(refused.length).toBeGreaterThan(100)
    expect(succeeded.length).toBeGreaterThan(10)
    expect(refused[0]).toMatchObject({ budget: 'triage-hourly' })
    expect(router.budgets?.stats().activeReservations).toBe(0)
    await telemetry.flush()
    await collector.drain(20_000)
    const spend = Number(await storedSpend('budget-storm'))
    expect(spend).toBeGreaterThan(0)
    expect(spend).toBeLessThanOrEqual(0.005)
    await router.close()
  })

  it('warns, then downgrades to the cheaper route (visible on the span), then blocks', async () => {
    const router = budgetRouter([{
      name: 'graded',
      match: { workflow: 'graded-run' },
      window: '1h',
      limitUsd: 0.002,
      actions: [{ at: 0.3, do: 'warn' }, { at: 0.6, do: { downgrade: 'cheap' } }, { at: 1, do: 'block' }],
    }])
    await router.ready()
    const actions: string[] = []
    const routes: string[] = []
    for (let call = 0; call < 60; call++) {
      const result = await workflow('graded-run', () => router.chat({ route: 'triage', messages, maxTokens: 100 })).catch((error: unknown) => error)
      if (isBudgetExceededError(result)) {
        actions.push('block')
        break
      }
      routes.push((result as { route: string }).route)
    }
    await telemetry.flush()
    await collector.drain(20_000)
    const query = await collector.store.client.query({
      query: "SELECT DISTINCT BudgetAction AS action, Route AS route FROM llm_calls WHERE Workflow = 'graded-run' ORDER BY Timestamp",
      format: 'JSONEachRow',
    })
    for (const row of await query.json<{ action: string; route: string }>()) if (!actions.includes(row.action)) actions.unshift(row.action)
    expect(actions).toEqual(expect.arrayContaining(['warn', 'downgrade', 'block']))
    expect(routes).toContain('cheap')
    expect(routes.indexOf('cheap')).toBeGreaterThan(routes.indexOf('triage'))
    // The route span carries the decision as attributes; only a warn, downgrade or block is also an event on its timeline.
    const routeSpans = await collector.store.client.query({
      query: "SELECT SpanAttributes['switchyard.budget.action'] AS action, countIf(has(Events.Name, 'switchyard.budget.decision')) AS marked, count() AS spans FROM otel_traces WHERE SpanName LIKE 'route %' AND SpanAttributes['gen_ai.workflow.name'] = 'graded-run' GROUP BY action ORDER BY action",
      format: 'JSONEachRow',
    })
    const marks = Object.fromEntries((await routeSpans.json<{ action: string; marked: string; spans: string }>()).map((row) => [row.action, [Number(row.marked), Number(row.spans)]]))
    expect(marks.allow?.[0]).toBe(0)
    expect(marks.allow?.[1]).toBeGreaterThan(0)
    expect(marks.warn?.[0]).toBe(marks.warn?.[1])
    expect(marks.downgrade?.[0]).toBe(marks.downgrade?.[1])
    expect(marks.block).toEqual([1, 1])
    await router.close()
  })

  it('sends a downgraded call to the cheaper route\'s targets and breakers, and any other call to its own', async () => {
    const router = budgetRouter([{ name: 'always-cheap', match: { workflow: 'downgraded' }, window: '1h', limitUsd: 1, actions: [{ at: 0.000001, do: { downgrade: 'cheap' } }] }])
    await router.ready()
    for (let call = 0; call < 2; call++) {
      const result = await workflow('downgraded', () => router.chat({ route: 'triage', messages, maxTokens: 100 }))
      expect(result).toMatchObject({ route: 'cheap', model: 'gpt-4.1-nano', attempts: [{ model: 'gpt-4.1-nano', outcome: 'success' }] })
    }
    expect(Object.keys(router.breakerStates())).toEqual(['openai/gpt-4.1-nano'])
    const undowngraded = await router.chat({ route: 'triage', messages, maxTokens: 100 })
    expect(undowngraded).toMatchObject({ route: 'triage', model: 'gpt-4.1-mini' })
    expect(Object.keys(router.breakerStates()).sort()).toEqual(['openai/gpt-4.1-mini', 'openai/gpt-4.1-nano'])
    await router.close()
  })

  it('ends a stream cleanly, and marks it, when it would cross a stopStreamAtLimit budget', async () => {
    // History says this step answers in ~10 tokens, so the reservation is small; this answer runs long.
    const history = Array.from({ length: 20 }, () => modelCallRow({ workflow: 'long-stream', step: 'answer', attributes: { 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.response.model': 'gpt-4.1', 'gen_ai.usage.output_tokens': '10' } }))
    await insertJsonRows({ store: collector.store, table: 'otel_traces', body: jsonLines(history), deduplicationToken: `history-${hex(4)}` })
    const router = createRouter({
      providers: { openai: { type: 'simulated', seed: 8, providerName: 'openai', latencyMs: quick, timeToFirstTokenMs: quick, outputTokens: { min: 3_000, max: 3_000 } } },
      routes: { answer: { targets: [{ provider: 'openai', model: 'gpt-4.1' }] } },
      budgets: [{ name: 'answers', match: { workflow: 'long-stream' }, window: '1h', limitUsd: 0.005, stopStreamAtLimit: true }],
    }, { spendSource: createSpendSource({ store: collector.store }) })
    await router.ready()
    const stream = workflow('long-stream', () => step('answer', () => router.stream({ route: 'answer', messages })))
    let text = ''
    for await (const chunk of stream) if (chunk.type === 'text-delta') text += chunk.text
    const result = await stream.result
    expect(result.finishReason).toBe('length')
    expect(text.length).toBeGreaterThan(0)
    expect(result.usage.outputTokens).toBeLessThan(3_000)
    // gpt-4.1 output at $8/M: the stream stopped near the $0.005 limit, not at the $0.024 the full answer costs.
    expect(Number(result.costUsd)).toBeLessThanOrEqual(0.0052)
    expect(router.budgets?.stats().activeReservations).toBe(0)
    await router.close()
  })
})
