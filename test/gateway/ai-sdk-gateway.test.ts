import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { APICallError, embedMany, generateText, streamText } from 'ai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
const directory = makeTempDirectory('gateway-ai-sdk')
const key = createVirtualKey()

beforeAll(async () => {
  upstream = await startProviderServer()
  const config = testConfig(upstream.url, {
    routes: {
      fast: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } },
      embed: { targets: [{ provider: 'up', model: 'text-embedding-3-small' }], retry: { attempts: 1 } },
    },
    gateway: { keys: [{ name: 'ai-sdk', hash: key.hash }] },
  })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(() => upstream.reset())

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function provider(apiKey: string) {
  return createOpenAICompatible({ name: 'switchyard', baseURL: `${gateway.url}/v1`, apiKey, includeUsage: true })
}

describe('the Vercel AI SDK through @ai-sdk/openai-compatible', () => {
  it('generateText reads the answer and its usage', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const result = await generateText({ model: provider(key.key)('fast'), prompt: 'Capital of France?', maxRetries: 0 })
    expect(result.text).toBe('The capital of France is Paris.')
    expect(result.finishReason).toBe('stop')
    expect(result.usage.inputTokens).toBe(1290)
    expect(result.usage.outputTokens).toBe(212)
  })

  it('streamText reads the deltas and the final usage chunk it asks for', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const result = streamText({ model: provider(key.key)('fast'), prompt: 'hi', maxRetries: 0 })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expect(text).toBe('Café ☕ au lait — 日本語 👍🏽')
    expect((await result.usage).inputTokens).toBe(2006)
    expect(await result.finishReason).toBe('stop')
  })

  it('embedMany reads the vectors', async () => {
    upstream.reply({ body: fixtureJson('openai/embeddings.json') })
    const { embeddings } = await embedMany({ model: provider(key.key).textEmbeddingModel('embed'), values: ['alpha', 'beta'], maxRetries: 0 })
    expect(embeddings).toEqual([[-0.0062, 0.0315, -0.0198, 0.0541], [0.0231, -0.0112, 0.0457, 0.0089]])
  })

  it('surfaces a refused key as the SDK\'s APICallError with status 401', async () => {
    const error = await generateText({ model: provider('sy-wrong')('fast'), prompt: 'hi', maxRetries: 0 }).catch((caught: unknown) => caught)
    expect(APICallError.isInstance(error)).toBe(true)
    expect((error as APICallError).statusCode).toBe(401)
    expect(upstream.requests).toHaveLength(0)
  })
})
