import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let router: Router | undefined

beforeAll(async () => {
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
})
afterEach(async () => {
  await router?.close()
  router = undefined
  server.reset()
})

/** The recorded OpenAI answer from gpt-5, served by `serviceTier`. */
function answer(serviceTier: string): unknown {
  const completion = structuredClone(fixtureJson('openai/chat-completion.json')) as Record<string, unknown>
  completion.model = 'gpt-5-2025-08-07'
  completion.service_tier = serviceTier
  completion.usage = { prompt_tokens: 10_000, completion_tokens: 1_000, total_tokens: 11_000 }
  return completion
}

describe('a routed call priced at the service tier that served it', () => {
  it('bills a priority answer at the Priority prices and a default one at the standard prices', async () => {
    router = createRouter({ providers: { openai: { type: 'openai', apiKey: 'sk-test-SECRET', baseURL: `${server.url}/v1` } } })
    server.reply({ body: answer('default') }, { body: answer('priority') }, { body: answer('flex') })
    const messages = [{ role: 'user' as const, content: 'Plan the migration.' }]
    // 10000 × $1.25/M + 1000 × $10/M
    expect(await router.chat({ model: 'openai/gpt-5', messages })).toMatchObject({ costUsd: '0.0225', costSource: 'catalog' })
    // 10000 × $2.50/M + 1000 × $20/M
    expect(await router.chat({ model: 'openai/gpt-5', messages })).toMatchObject({ costUsd: '0.045', costSource: 'catalog' })
    // Flex has no confirmed price for gpt-5: billed at the standard prices (never below them).
    expect(await router.chat({ model: 'openai/gpt-5', messages })).toMatchObject({ costUsd: '0.0225' })
  })
})
