import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('router-embed-budgets')
let collector: Collector
let telemetry: Telemetry
let server: ProviderServer
let router: Router

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
  telemetry = startTelemetry({ endpoint: collector.url, serviceName: 'embed-budget-test', scheduledDelayMillis: 50 })
  server = await startProviderServer()
  router = createRouter({
    providers: { openai: { type: 'openai', apiKey: 'sk-embed-budget-SECRET', baseURL: `${server.url}/v1` } },
    routes: { embed: { targets: [{ provider: 'openai', model: 'text-embedding-3-large' }] } },
    budgets: [{ name: 'indexing-daily', match: { workflow: 'tight-indexing' }, window: '24h', limitUsd: 0.00001 }],
  }, { spendSource: createSpendSource({ store: collector.store }) })
  await router.ready()
})
afterAll(async () => {
  await router?.close()
  await server?.close()
  await telemetry?.shutdown()
  await collector?.close()
  directory.remove()
})
beforeEach(() => server.reset())

function answer(count: number, promptTokens: number): unknown {
  return { object: 'list', data: Array.from({ length: count }, (_, index) => ({ object: 'embedding', index, embedding: [0.25, -0.5, 0.75] })), model: 'text-embedding-3-large', usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }
}

describe('embeddings under budgets, and in llm_calls', () => {
  it('refuses an embedding call whose worst case (estimated input tokens × input price) would pass the limit, before any call', async () => {
    // 4000 characters → 1000 estimated tokens × $0.13/M = $0.00013, over the $0.00001 limit.
    const error = await rejection(workflow('tight-indexing', () => router.embed({ route: 'embed', input: ['x'.repeat(4000)] })))
    expect(isBudgetExceededError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'budget_exceeded', budget: 'indexing-daily' })
    expect(server.requests).toHaveLength(0)
    expect(router.budgets?.stats().activeReservations).toBe(0)
  })

  it('admits a call within the limit and settles it at its real cost', async () => {
    server.reply({ body: answer(2, 9) })
    // 'alpha beta', 'gamma' → 3 + 2 estimated tokens × $0.13/M = $0.00000065 reserved; billed 9 tokens = $0.00000117.
    const result = await workflow('tight-indexing', () => router.embed({ route: 'embed', input: ['alpha beta', 'gamma'] }))
    expect(result.costUsd).toBe('0.00000117')
    expect(router.budgets?.stats().activeReservations).toBe(0)
    // The budget counts the billed cost (in pico-USD), not the smaller estimate it reserved.
    expect(router.budgets?.status()[0]?.spentUnits).toBe(1_170_000n)
  })

  it('lands the embeddings span in llm_calls with its operation, tokens and cost', async () => {
    server.reply({ body: answer(3, 21) })
    await workflow('embed-store', () => step('chunks', () => router.embed({ route: 'embed', input: ['one', 'two', 'three'], tags: { tenant: 'acme' } })))
    await telemetry.flush()
    await collector.drain(20_000)
    const result = await collector.store.client.query({
      query: `SELECT Operation, Provider, RequestModel, ResponseModel, Step, Route, InputTokens, OutputTokens, toString(CostUsd) AS Cost, CostSource, PriceVersion, StatusCode, Tags
              FROM llm_calls WHERE Workflow = {workflow:String}`,
      query_params: { workflow: 'embed-store' },
      format: 'JSONEachRow',
    })
    const rows = await result.json()
    expect(rows).toEqual([{
      Operation: 'embeddings',
      Provider: 'openai',
      RequestModel: 'text-embedding-3-large',
      ResponseModel: 'text-embedding-3-large',
      Step: 'chunks',
      Route: 'embed',
      InputTokens: 21,
      OutputTokens: 0,
      // 21 × $0.13/M
      Cost: '0.00000273',
      CostSource: 'catalog',
      PriceVersion: 'openai/text-embedding-3-large@2024-01-25',
      StatusCode: 'Unset',
      Tags: { tenant: 'acme' },
    }])
  })
})
