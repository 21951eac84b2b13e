import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import type { BudgetConfig } from '../../src/budget/budget-config.js'
import { createBudgetLedgerFor, type BudgetLedgerSetup } from '../../src/budget/create-budget-ledger-for.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { parseRouterConfig } from '../../src/router/parse-router-config.js'
import type { RouterConfigInput } from '../../src/router/router-config.js'
import { workflow } from '../../src/telemetry/workflow-context.js'
import { rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('router-shared-ledger')
let collector: Collector
let server: ProviderServer

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
  server = await startProviderServer()
})
afterAll(async () => {
  await server?.close()
  await collector?.close()
  directory.remove()
})

function config(model: string): RouterConfigInput {
  return {
    providers: { openai: { type: 'openai', apiKey: 'sk-shared-ledger-SECRET', baseURL: `${server.url}/v1` } },
    routes: { triage: { targets: [{ provider: 'openai', model }] } },
    // gpt-4.1-mini at 100 output tokens worst case ≈ $0.000166: one call fits under $0.0002, two do not.
    budgets: [{ name: 'triage-hourly', match: { workflow: 'reload' }, window: '1h', limitUsd: 0.0002 }],
  }
}

function answer(model: string): unknown {
  return {
    id: 'chatcmpl-shared',
    object: 'chat.completion',
    created: 1_765_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'queue: billing' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
  }
}

const request = { route: 'triage', maxTokens: 100, messages: [{ role: 'user' as const, content: 'Route this ticket.' }] }

describe('a budget ledger shared by two routers (a gateway reloading its config)', () => {
  it('lets the new router see the old one\'s call in flight, and leaves the ledger open when the old router closes', async () => {
    const budgets = parseRouterConfig(config('gpt-4.1-mini')).budgets as BudgetConfig[]
    const setup = createBudgetLedgerFor({ budgets, spendSource: createSpendSource({ store: collector.store }), now: Date.now }) as BudgetLedgerSetup
    await setup.ready
    const before: Router = createRouter(config('gpt-4.1-mini'), { budgetLedger: setup })
    const after: Router = createRouter(config('gpt-4.1-nano'), { budgetLedger: setup })
    try {
      expect(before.budgets).toBe(setup.ledger)
      expect(after.budgets).toBe(setup.ledger)
      server.reply({ delayMs: 300, body: answer('gpt-4.1-mini') })
      const inFlight = workflow('reload', () => before.chat(request))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(setup.ledger.stats().activeReservations).toBe(1)
      // The same room is not handed out twice: the new router's call is refused while the old one's is reserved.
      const refused = await rejection(workflow('reload', () => after.chat(request)))
      expect(isBudgetExceededError(refused)).toBe(true)
      expect(server.requests).toHaveLength(1)
      const result = await inFlight
      expect(result.model).toBe('gpt-4.1-mini')
      await before.close()
      // Closing the old router left the ledger working: it still counts the old call's spend, and the new router's call is admitted in the room left.
      expect(setup.ledger.stats().activeReservations).toBe(0)
      expect(setup.ledger.status()[0]?.spentUnits).toBeGreaterThan(0n)
      server.reply({ body: answer('gpt-4.1-nano') })
      const next = await workflow('reload', () => after.chat(request))
      expect(next.model).toBe('gpt-4.1-nano')
      expect(setup.ledger.stats().activeReservations).toBe(0)
    } finally {
      await before.close()
      await after.close()
      await setup.close()
    }
  })

  it('keeps a ledger it was not given to itself: a router without one builds and closes its own', async () => {
    const router = createRouter(config('gpt-4.1-mini'), { spendSource: createSpendSource({ store: collector.store }) })
    await router.ready()
    expect(router.budgets).toBeDefined()
    await router.close()
  })
})
