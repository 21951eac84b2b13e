import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ModelCallResult } from '../../src/model-call/model-call-result.js'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { awkwardChunkSizes, collect, fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

// OpenAI answers say which tier served the call (`service_tier`, top level of a chat
// completion, of every chunk, and of a Responses `response`); a flex or priority call
// is priced by its tier, so the result carries it as the provider wrote it.

let server: ProviderServer
let provider: OpenAIProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new OpenAIProvider({ apiKey: 'sk-test-service-tier', baseURL: `${server.url}/v1` })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

const chat: ProviderRequest = { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }] }
const responses: ProviderRequest = { ...chat, api: 'responses' }

async function finished(request: ProviderRequest): Promise<ModelCallResult> {
  const events = await collect(provider.stream(request))
  const finish = events.at(-1)
  if (finish?.type !== 'finish') throw new Error('no finish event')
  return finish.result
}

function withTier(body: unknown, tier: unknown): Record<string, unknown> {
  return { ...(body as Record<string, unknown>), service_tier: tier }
}

describe('OpenAI service tiers', () => {
  it('reads service_tier from a chat completion', async () => {
    server.reply({ body: withTier(fixtureJson('openai/chat-completion.json'), 'flex') })
    expect((await provider.chat(chat)).serviceTier).toBe('flex')
  })

  it('reads service_tier from the chunks of a streamed chat completion', async () => {
    const sse = fixture('openai/chat-stream.sse').replaceAll('"service_tier":"default"', '"service_tier":"priority"')
    server.reply({ sse, chunkSizes: awkwardChunkSizes })
    expect((await finished(chat)).serviceTier).toBe('priority')
  })

  it('reads service_tier from a Responses response, plain and streamed', async () => {
    server.reply({ body: withTier(fixtureJson('openai/responses.json'), 'flex') })
    expect((await provider.chat(responses)).serviceTier).toBe('flex')
    server.reply({ sse: fixture('openai/responses-stream.sse').replaceAll('"service_tier":"auto"', '"service_tier":"default"') })
    expect((await finished(responses)).serviceTier).toBe('default')
  })

  it('leaves serviceTier out when the answer has none, or one that is not a short plain word', async () => {
    server.reply({ body: withTier(fixtureJson('openai/chat-completion.json'), null) })
    expect((await provider.chat(chat)).serviceTier).toBeUndefined()
    server.reply({ body: withTier(fixtureJson('openai/chat-completion.json'), 'p'.repeat(4096)) })
    expect((await provider.chat(chat)).serviceTier).toBeUndefined()
  })

  it('takes the answer and drops the tier when service_tier is not a string: it only labels the call', async () => {
    server.reply({ body: withTier(fixtureJson('openai/chat-completion.json'), 42) })
    const result = await provider.chat(chat)
    expect(result.text).toBe('The capital of France is Paris.')
    expect(result.serviceTier).toBeUndefined()
  })
})
