import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isEmbeddingInputError } from '../../src/providers/embedding-input-error.js'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible.js'
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.js'
import { fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const apiKey = 'sk-embed-test-SECRET-0123456789'
let server: ProviderServer
let provider: OpenAIProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1` })
})
afterAll(async () => {
  await provider.close()
  await server.close()
})
afterEach(() => server.reset())

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise)
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

function answer(data: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { object: 'list', data, model: 'text-embedding-3-small', usage: { prompt_tokens: 5, total_tokens: 5 }, ...extra }
}

describe('OpenAI embeddings', () => {
  it('posts the input as floats to /v1/embeddings and reads the vectors in the order of their index', async () => {
    server.reply({ body: fixtureJson('openai/embeddings.json') })
    const result = await provider.embed({ model: 'text-embedding-3-small', input: ['first text', 'second text'] })
    const request = server.lastRequest()
    expect(request.url).toBe('/v1/embeddings')
    expect(request.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(request.json()).toEqual({ model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'float' })
    // The fixture lists index 1 first: the vector of input 0 is the second item.
    expect(result.embeddings).toEqual([[-0.0062, 0.0315, -0.0198, 0.0541], [0.0231, -0.0112, 0.0457, 0.0089]])
    expect(result).toMatchObject({ inputTokens: 12, usageReported: true, responseModel: 'text-embedding-3-small' })
  })

  it('passes dimensions and the openai providerOptions', async () => {
    server.reply({ body: answer([{ object: 'embedding', index: 0, embedding: [0.5, 0.5] }]) })
    await provider.embed({ model: 'text-embedding-3-large', input: ['short'], dimensions: 2, providerOptions: { openai: { user: 'tenant-7' } } })
    expect(server.lastRequest().json()).toMatchObject({ dimensions: 2, user: 'tenant-7', encoding_format: 'float' })
  })

  it('says usage was not reported when the answer has none', async () => {
    server.reply({ body: { object: 'list', data: [{ index: 0, embedding: [1, 2] }] } })
    const result = await provider.embed({ model: 'text-embedding-3-small', input: ['x'] })
    expect(result).toMatchObject({ inputTokens: 0, usageReported: false, responseModel: 'text-embedding-3-small' })
  })

  it('refuses an answer with a vector missing, an index repeated or out of range, a non-finite number or mixed lengths', async () => {
    const cases: [unknown, string][] = [
      [answer([{ index: 0, embedding: [1, 2] }]), 'data holds 1 vectors for 2 inputs'],
      [answer([{ index: 0, embedding: [1, 2] }, { index: 0, embedding: [3, 4] }]), 'data[1].index repeats index 0'],
      [answer([{ index: 0, embedding: [1, 2] }, { index: 2, embedding: [3, 4] }]), 'data[1].index is 2'],
      [answer([{ index: 0, embedding: [1, 2] }, { index: 1, embedding: [3, '4'] }]), 'data[1].embedding[1] is not a finite number'],
      [answer([{ index: 0, embedding: [1, 2] }, { index: 1, embedding: [3, 4, 5] }]), 'data[1].embedding has 3 dimensions where the others have 2'],
      [answer([{ index: 0, embedding: 'AAAA' }, { index: 1, embedding: [3, 4] }]), 'data[0].embedding is not a list of numbers'],
      [answer([{ index: 0, embedding: [] }, { index: 1, embedding: [3, 4] }]), 'data[0].embedding has 0 dimensions'],
    ]
    for (const [body, message] of cases) {
      server.reply({ body })
      const error = await providerError(provider.embed({ model: 'text-embedding-3-small', input: ['a', 'b'] }))
      expect(error.code).toBe('server_error')
      expect(error.retryable).toBe(false)
      expect(error.message).toContain(message)
    }
  })

  it('turns a 429 into a retryable rate_limit and a 400 into a bad_request, without the key', async () => {
    server.reply({ status: 429, headers: { 'retry-after-ms': '250' }, body: fixtureJson('openai/error-rate-limit.json') })
    const limited = await providerError(provider.embed({ model: 'text-embedding-3-small', input: ['x'] }))
    expect(limited).toMatchObject({ code: 'rate_limit', retryable: true, retryAfterMs: 250 })
    server.reply({ status: 400, body: { error: { message: `Invalid input; key ${apiKey}`, type: 'invalid_request_error', param: 'input', code: null } } })
    const refused = await providerError(provider.embed({ model: 'text-embedding-3-small', input: ['x'] }))
    expect(refused).toMatchObject({ code: 'bad_request', retryable: false, status: 400 })
    expect(JSON.stringify({ message: refused.message, stack: refused.stack })).not.toContain(apiKey)
  })

  it('refuses bad input before any call, naming the input', async () => {
    const bad = ['fine', 'also fine', 'ok', '']
    const error = await rejection(provider.embed({ model: 'text-embedding-3-small', input: bad }))
    expect(isEmbeddingInputError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'request_invalid', field: 'input[3]' })
    const notText = await rejection(provider.embed({ model: 'text-embedding-3-small', input: ['a', 7 as unknown as string] }))
    expect(notText).toMatchObject({ field: 'input[1]' })
    const tooMany = await rejection(provider.embed({ model: 'text-embedding-3-small', input: Array.from({ length: 2049 }, () => 'x') }))
    expect(tooMany).toMatchObject({ field: 'input' })
    const tooLong = await rejection(provider.embed({ model: 'text-embedding-3-small', input: ['a', 'é'.repeat(600 * 1024)] }))
    expect(tooLong).toMatchObject({ field: 'input[1]' })
    const badDimensions = await rejection(provider.embed({ model: 'text-embedding-3-small', input: ['a'], dimensions: 1.5 }))
    expect(badDimensions).toMatchObject({ field: 'dimensions' })
    expect(server.requests).toHaveLength(0)
  })

  it('accepts text up to the cap counted in UTF-8 bytes', async () => {
    server.reply({ body: answer([{ index: 0, embedding: [1] }]) })
    await provider.embed({ model: 'text-embedding-3-small', input: ['a'.repeat(1024 * 1024)] })
    expect(server.requests).toHaveLength(1)
  })
})

describe('OpenAI embeddings too large for one answer', () => {
  function batchAnswer(count: number, first: number, promptTokens: number): unknown {
    return answer(Array.from({ length: count }, (_, index) => ({ index, embedding: [first + index, 0.5] })), { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } })
  }

  it('sends 2048 inputs of text-embedding-3-large in calls of 256, one after another, and joins them in order', async () => {
    for (let batch = 0; batch < 8; batch += 1) server.reply({ body: batchAnswer(256, batch * 256, 100 + batch) })
    const input = Array.from({ length: 2048 }, (_, index) => `chunk ${index}`)
    const result = await provider.embed({ model: 'text-embedding-3-large', input })
    expect(server.requests.map((request) => (request.json() as { input: string[] }).input.length)).toEqual([256, 256, 256, 256, 256, 256, 256, 256])
    expect((server.requests[1]!.json() as { input: string[] }).input[0]).toBe('chunk 256')
    expect(result.embeddings.map((vector) => vector[0])).toEqual(Array.from({ length: 2048 }, (_, index) => index))
    // 100 + 101 + ... + 107
    expect(result).toMatchObject({ inputTokens: 828, usageReported: true })
  })

  it('sends more in one call when the vectors are smaller', async () => {
    server.reply({ body: batchAnswer(1000, 0, 10) })
    await provider.embed({ model: 'text-embedding-3-large', input: Array.from({ length: 1000 }, () => 'x'), dimensions: 256 })
    expect(server.requests).toHaveLength(1)
  })

  it('fails the call when a later batch fails, carrying the tokens the answered batches billed', async () => {
    server.reply({ body: batchAnswer(512, 0, 700) }, { status: 500, body: fixtureJson('openai/error-server.json') })
    const error = await providerError(provider.embed({ model: 'text-embedding-3-small', input: Array.from({ length: 600 }, () => 'y') }))
    expect(server.requests).toHaveLength(2)
    expect(error).toMatchObject({ code: 'server_error', retryable: true })
    expect(error.partialUsage?.inputTokens).toBe(700)
  })
})

describe('embeddings on an OpenAI-compatible host', () => {
  it("posts to the host's base URL with the preset's auth header", async () => {
    const azure = createOpenAICompatibleProvider({ providerName: 'azure.ai.openai', preset: 'azure', baseURL: `${server.url}/openai/deployments/embedder`, apiKey })
    try {
      server.reply({ body: answer([{ index: 0, embedding: [0.1, 0.2] }]) })
      const result = await azure.embed({ model: 'text-embedding-3-small', input: ['hello'] })
      const request = server.lastRequest()
      expect(request.url).toMatch(/^\/openai\/deployments\/embedder\/embeddings\?api-version=/)
      expect(request.headers['api-key']).toBe(apiKey)
      expect(request.headers.authorization).toBeUndefined()
      expect(result.embeddings).toEqual([[0.1, 0.2]])
    } finally {
      await azure.close()
    }
  })
})
