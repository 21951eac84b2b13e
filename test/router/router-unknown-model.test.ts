import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { isPriceUnknownError } from '../../src/pricing/price-unknown-error.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import type { RouterConfigInput } from '../../src/router/router-config.js'
import { isRouterConfigError } from '../../src/router/router-config-error.js'
import { workflow } from '../../src/telemetry/workflow-context.js'
import { openBudgetStore } from '../budget/budget-test-store.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let budgetStore: Awaited<ReturnType<typeof openBudgetStore>>
let router: Router | undefined

beforeAll(async () => {
  server = await startProviderServer()
  budgetStore = await openBudgetStore('router-unknown-model')
})
afterAll(async () => {
  await server.close()
  await budgetStore.close()
})
afterEach(async () => {
  await router?.close()
  router = undefined
  server.reset()
})

const messages = [{ role: 'user' as const, content: 'Summarize the ticket.' }]

/** The recorded OpenAI answer, from a model the catalog has no price for, that used `outputTokens`. */
function answerFrom(model: string, outputTokens: number): unknown {
  const completion = structuredClone(fixtureJson('openai/chat-completion.json')) as { model: string; usage: Record<string, unknown> }
  completion.model = model
  completion.usage = { prompt_tokens: 20, completion_tokens: outputTokens, total_tokens: 20 + outputTokens }
  return completion
}

function makeRouter(extra: Partial<RouterConfigInput> = {}): Router {
  router = createRouter({
    providers: { openai: { type: 'openai', apiKey: 'sk-test-SECRET', baseURL: `${server.url}/v1` } },
    routes: {
      house: { targets: [{ provider: 'openai', model: 'house-model' }], retry: { attempts: 1 } },
      priced: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }], retry: { attempts: 1 } },
    },
    ...extra,
  }, { spendSource: createSpendSource({ store: budgetStore.store }) })
  return router
}

describe('a routed call to a model without a price', () => {
  it('counts against the budget at the dearest price of its provider, so the budget blocks after the spend', async () => {
    // 5 000 output tokens at OpenAI's dearest output price (at least $60/M) settle at $0.30 or more;
    // the reservation of 50 output tokens stays far under the $0.10 limit.
    const chat = makeRouter({ budgets: [{ name: 'house-cap', match: { workflow: 'unknown-spend' }, window: '1h', limitUsd: 0.1 }] })
    await chat.ready()
    server.reply({ body: answerFrom('house-model', 5_000) }, { body: answerFrom('house-model', 5_000) })
    const first = await workflow('unknown-spend', () => chat.chat({ route: 'house', messages, maxTokens: 50 }))
    expect(first.costSource).toBe('estimate')
    expect(Number(first.costUsd)).toBeGreaterThanOrEqual(0.3)
    const second = await workflow('unknown-spend', () => chat.chat({ route: 'house', messages, maxTokens: 50 })).catch((error: unknown) => error)
    expect(isBudgetExceededError(second)).toBe(true)
    expect(second).toMatchObject({ budget: 'house-cap' })
    expect(server.requests).toHaveLength(1)
  })

  it('reserves at the fallback price, so a single call whose worst case passes the limit is refused before it is made', async () => {
    const chat = makeRouter({
      prices: { unknownModel: { inputPerMillion: '1', outputPerMillion: '1000' } },
      budgets: [{ name: 'tiny', match: { workflow: 'unknown-reserve' }, window: '1h', limitUsd: 0.01 }],
    })
    await chat.ready()
    // 100 output tokens at $1000/M reserve $0.10, over the $0.01 limit.
    const refused = await workflow('unknown-reserve', () => chat.chat({ route: 'house', messages, maxTokens: 100 })).catch((error: unknown) => error)
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(server.requests).toHaveLength(0)
  })

  it('is refused before it is made with prices.unknownModel "block", naming the model; a priced route still works', async () => {
    const chat = makeRouter({ prices: { unknownModel: 'block' } })
    const refused = await chat.chat({ route: 'house', messages }).catch((error: unknown) => error)
    expect(isPriceUnknownError(refused)).toBe(true)
    expect(refused).toMatchObject({ code: 'price_unknown', provider: 'openai', model: 'house-model', route: 'house' })
    expect((refused as Error).message).toContain('openai/house-model')
    expect(server.requests).toHaveLength(0)
    server.reply({ body: answerFrom('gpt-4.1-mini', 10) })
    const priced = await chat.chat({ route: 'priced', messages })
    expect(priced.costSource).toBe('catalog')
    expect(server.requests).toHaveLength(1)
  })

  it('is priced as the model priceAs names', async () => {
    const chat = makeRouter({ prices: { unknownModel: { priceAs: 'openai/gpt-4.1-mini' } } })
    server.reply({ body: answerFrom('house-model', 1_000) })
    const result = await chat.chat({ route: 'house', messages })
    // 20 × $0.40/M + 1000 × $1.60/M
    expect(result).toMatchObject({ costUsd: '0.001608', costSource: 'estimate' })
  })
})

describe('a bad prices.unknownModel', () => {
  it('is a router config error naming prices.unknownModel', () => {
    let caught: unknown
    try {
      makeRouter({ prices: { unknownModel: 'sometimes' as never } })
    } catch (error) {
      caught = error
    }
    expect(isRouterConfigError(caught)).toBe(true)
    expect((caught as ConfigError).issues.map((issue) => issue.path)).toEqual(['prices.unknownModel'])
  })

  it('names prices.unknownModel.priceAs when it points at a model without a price', () => {
    let caught: unknown
    try {
      makeRouter({ prices: { unknownModel: { priceAs: 'openai/house-model' } } })
    } catch (error) {
      caught = error
    }
    expect(ConfigError.isInstance(caught)).toBe(true)
    expect((caught as ConfigError).issues).toEqual([{ path: 'prices.unknownModel.priceAs', message: expect.stringContaining('openai/house-model') }])
  })
})
