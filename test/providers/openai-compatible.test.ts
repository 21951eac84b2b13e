import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible.js'
import type { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import { fixture, fixtureJson, collect, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
const providers: OpenAIProvider[] = []

function compatible(options: Omit<Parameters<typeof createOpenAICompatibleProvider>[0], 'baseURL'> & { path: string }) {
  const { path, ...rest } = options
  const provider = createOpenAICompatibleProvider({ ...rest, baseURL: `${server.url}${path}` })
  providers.push(provider)
  return provider
}

beforeAll(async () => {
  server = await startProviderServer()
})

afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.close()))
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

const request = {
  model: 'any-model',
  maxTokens: 64,
  messages: [
    { role: 'developer' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Hello' },
  ],
}

describe('OpenAI-compatible hosts', () => {
  it('sends Azure OpenAI its api-key header and api-version query, and no bearer token', async () => {
    const azure = compatible({
      providerName: 'azure.ai.openai',
      path: '/openai/deployments/gpt-4o-prod',
      apiKey: 'azure-key-0123456789',
      authStyle: 'api-key',
      query: { 'api-version': '2024-10-21' },
    })
    server.reply({ body: fixtureJson('openai/chat-completion.json') })
    const result = await azure.chat(request)
    const sent = server.lastRequest()
    expect(sent.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21')
    expect(sent.headers['api-key']).toBe('azure-key-0123456789')
    expect(sent.headers.authorization).toBeUndefined()
    expect(azure.providerName).toBe('azure.ai.openai')
    expect(result.text).toBe('The capital of France is Paris.')
  })

  it('uses max_tokens and the system role, which every compatible host knows', async () => {
    const groq = compatible({ providerName: 'groq', path: '/openai/v1', apiKey: 'gsk_test_key_123456' })
    server.reply({ body: fixtureJson('openai/chat-completion.json') })
    await groq.chat(request)
    expect(server.lastRequest().url).toBe('/openai/v1/chat/completions')
    expect(server.lastRequest().json()).toEqual({
      model: 'any-model',
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    })
  })

  it("reads OpenRouter's billed cost and cache writes", async () => {
    const openrouter = compatible({ providerName: 'openrouter', path: '/api/v1', apiKey: 'sk-or-v1-test-key' })
    server.reply({ body: fixtureJson('openai/openrouter-chat-completion.json') })
    const result = await openrouter.chat(request)
    expect(result.usage).toEqual({
      inputTokens: 3210,
      outputTokens: 9,
      cacheReadInputTokens: 2048,
      cacheWriteInputTokens: 1024,
      cacheWrite1hInputTokens: 0,
      reasoningOutputTokens: 0,
      providerCostUsd: '0.0013557',
    })
  })

  it("maps DeepSeek's cache-hit tokens to cache reads", async () => {
    const deepseek = compatible({ providerName: 'deepseek', path: '', apiKey: 'sk-deepseek-test' })
    server.reply({
      body: {
        ...(fixtureJson('openai/deepseek-chat-completion.json') as object),
        usage: { prompt_tokens: 1300, completion_tokens: 6, prompt_cache_hit_tokens: 1280, prompt_cache_miss_tokens: 20 },
      },
    })
    const result = await deepseek.chat(request)
    expect(server.lastRequest().url).toBe('/chat/completions')
    expect(result.usage).toMatchObject({ inputTokens: 1300, cacheReadInputTokens: 1280 })
  })

  it('sends no auth header to a local server without a key (Ollama, vLLM)', async () => {
    const ollama = compatible({ providerName: 'ollama', path: '/v1', authStyle: 'none' })
    server.reply({ sse: fixture('openai/chat-stream.sse') })
    const events = await collect(ollama.stream(request))
    expect(server.lastRequest().headers.authorization).toBeUndefined()
    expect(events.at(-1)?.type).toBe('finish')
  })

  it('accepts a stream that sends finish reason and usage but no [DONE]', async () => {
    const host = compatible({ providerName: 'vllm', path: '/v1', authStyle: 'none' })
    server.reply({ sse: fixture('openai/chat-stream.sse').replace('data: [DONE]\n\n', '') })
    const events = await collect(host.stream(request))
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result.usage.inputTokens).toBe(2006)
  })
})
