import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BudgetExceededError } from '../../../src/budget/budget-exceeded-error.js'
import { createSpendSource } from '../../../src/budget/create-spend-source.js'
import { createRouter, type Router } from '../../../src/router/create-router.js'
import type { Store } from '../../../src/store/create-store.js'
import { startTelemetry, type Telemetry } from '../../../src/telemetry/start-telemetry.js'
import { workflow } from '../../../src/telemetry/workflow-context.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { openBudgetStore } from '../budget-test-store.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

describeWithPart('redis-server', 'a router with shared budgets, as its spans and errors show it', (part) => {
  let server: RedisTestServer
  let store: Store
  let closeStore: () => Promise<void>
  let telemetry: Telemetry
  const memory = new InMemorySpanExporter()

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    const opened = await openBudgetStore('shared-router-span')
    store = opened.store
    closeStore = opened.close
    telemetry = startTelemetry({ exporter: memory, serviceName: 'shared-span-test', scheduledDelayMillis: 10 })
  })

  afterAll(async () => {
    await telemetry?.shutdown()
    await closeStore?.()
    await server?.stop()
  })

  function routerWith(onUnavailable: 'local' | 'block', name: string): Router {
    return createRouter({
      providers: { openai: { type: 'simulated', seed: 3, providerName: 'openai', latencyMs: { medianMs: 2, p95Ms: 5 }, outputTokens: { min: 10, max: 20 } } },
      routes: { triage: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
      budgets: [{ name, match: { workflow: name }, window: '1h', limitUsd: 10 }],
      shared: { url: server.url, onUnavailable },
    }, { spendSource: createSpendSource({ store }) })
  }

  const messages = [{ role: 'user' as const, content: 'Which queue?' }]

  async function sharedAttributeOfCall(router: Router, name: string): Promise<unknown> {
    memory.reset()
    await workflow(name, () => router.chat({ route: 'triage', messages, maxTokens: 20 }))
    await telemetry.flush()
    const span = memory.getFinishedSpans().find((finished) => finished.name === 'chat gpt-4.1-mini')
    expect(span?.attributes['switchyard.budget.name']).toBe(name)
    return span?.attributes['switchyard.budget.shared']
  }

  it('marks the model-call span of a call decided without Redis (local), and stops once Redis answers again', async () => {
    const router = routerWith('local', 'span-local')
    try {
      await router.ready()
      expect(await sharedAttributeOfCall(router, 'span-local')).toBeUndefined()
      await server.kill()
      try {
        expect(await sharedAttributeOfCall(router, 'span-local')).toBe('unavailable')
      } finally {
        await server.restart()
      }
      let attribute: unknown = 'unavailable'
      for (let round = 0; round < 50 && attribute !== undefined; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        attribute = await sharedAttributeOfCall(router, 'span-local')
      }
      expect(attribute).toBeUndefined()
    } finally {
      await router.close()
    }
  })

  it('refuses with budget_exceeded, reason shared_unavailable, before any provider call (block)', async () => {
    const router = routerWith('block', 'span-block')
    try {
      await router.ready()
      await server.kill()
      memory.reset()
      let refusal: unknown
      try {
        await workflow('span-block', () => router.chat({ route: 'triage', messages, maxTokens: 20 }))
      } catch (error) {
        refusal = error
      } finally {
        await server.restart()
      }
      expect(BudgetExceededError.isInstance(refusal)).toBe(true)
      expect(refusal).toMatchObject({ code: 'budget_exceeded', reason: 'shared_unavailable', budget: 'span-block' })
      expect(String((refusal as Error).message)).toMatch(/shared\.onUnavailable: "local"/)
      await telemetry.flush()
      expect(memory.getFinishedSpans().filter((span) => span.name.startsWith('chat '))).toEqual([])
      expect(router.budgets?.stats().activeReservations).toBe(0)
    } finally {
      await router.close()
    }
  })
})
