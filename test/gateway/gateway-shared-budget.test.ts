import { afterAll, beforeAll, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { workflow } from '../../src/telemetry/workflow-context.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startRedisTestServer, type RedisTestServer } from '../budget/shared/redis-test-server.js'
import { startTestGateway, testConfig, upstreamKey } from './start-test-gateway.js'

// gpt-4o at 100 output tokens reserves about $0.001: the limit holds one call in flight, not two.
const budgets = [{ name: 'triage-shared', match: { workflow: 'triage' }, window: '1h' as const, limitUsd: 0.0015 }]

describeWithPart('redis-server', 'a gateway whose budgets are shared through Redis', (part) => {
  const directory = makeTempDirectory('gateway-shared-budget')
  let redis: RedisTestServer
  let upstream: ProviderServer
  let gateway: Gateway
  let other: Router

  beforeAll(async () => {
    redis = await startRedisTestServer(part.executable)
    upstream = await startProviderServer()
    const shared = { url: redis.url, onUnavailable: 'block' as const }
    gateway = await startTestGateway(directory.path, { config: testConfig(upstream.url, { budgets, shared }) })
    // Another process's router, as a replica would be: the same budget, the same Redis, its own ledger.
    other = createRouter({
      providers: { up: { type: 'openai', apiKey: upstreamKey, baseURL: `${upstream.url}/v1` } },
      routes: { smart: { targets: [{ provider: 'up', model: 'gpt-4o' }], retry: { attempts: 1 } } },
      budgets,
      shared,
    }, { spendSource: createSpendSource({ store: gateway.store }) })
    await other.ready()
  }, 60_000)

  afterAll(async () => {
    await other?.close()
    await gateway?.close()
    await upstream?.close()
    await redis?.stop()
    directory.remove()
  }, 60_000)

  it('holds the room of a call in flight through the gateway against another ledger on the same Redis', async () => {
    upstream.reply({ delayMs: 600, body: fixtureJson('openai/chat-completion.json') })
    const inFlight = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-workflow': 'triage' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'Plan the migration.' }], max_tokens: 100 }),
    })
    for (let waited = 0; upstream.requests.length === 0 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(upstream.requests).toHaveLength(1)
    const refused = await rejection(workflow('triage', () => other.chat({ route: 'smart', messages: [{ role: 'user', content: 'Plan the rollback.' }], maxTokens: 100 })))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(upstream.requests).toHaveLength(1)
    expect((await inFlight).status).toBe(200)
  })
})
