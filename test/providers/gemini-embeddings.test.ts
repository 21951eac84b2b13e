import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.js'
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.js'
import { fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const apiKey = 'AIzaSyEmbed-SECRET456-abcdefghijklmnop'
let server: ProviderServer
let provider: GeminiProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new GeminiProvider({ apiKey, baseURL: server.url })
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

function batchAnswer(count: number, offset = 0): unknown {
  return { embeddings: Array.from({ length: count }, (_, index) => ({ values: [offset + index, 1] })) }
}

describe('Gemini embeddings', () => {
  it('embeds one input with :embedContent, the key in its header, and reports no usage', async () => {
    server.reply({ body: fixtureJson('gemini/embed-content.json') })
    const result = await provider.embed({ model: 'gemini-embedding-001', input: ['What is the meaning of life?'], dimensions: 5 })
    const request = server.lastRequest()
    expect(request.url).toBe('/v1beta/models/gemini-embedding-001:embedContent')
    expect(request.headers['x-goog-api-key']).toBe(apiKey)
    expect(request.json()).toEqual({ content: { parts: [{ text: 'What is the meaning of life?' }] }, outputDimensionality: 5 })
    expect(result).toEqual({ embeddings: [[0.0132, -0.0287, 0.0049, 0.0711, -0.0403]], inputTokens: 0, usageReported: false, responseModel: 'gemini-embedding-001' })
  })

  it('embeds several inputs with :batchEmbedContents, each request naming its model, in input order', async () => {
    server.reply({ body: fixtureJson('gemini/batch-embed-contents.json') })
    const result = await provider.embed({ model: 'models/gemini-embedding-001', input: ['one', 'two', 'three'], providerOptions: { gemini: { taskType: 'RETRIEVAL_DOCUMENT' } } })
    const request = server.lastRequest()
    expect(request.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents')
    expect(request.json()).toEqual({
      requests: ['one', 'two', 'three'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, taskType: 'RETRIEVAL_DOCUMENT' })),
    })
    expect(result.embeddings).toEqual([[0.0132, -0.0287, 0.0049], [-0.0518, 0.0093, 0.0366], [0.0201, 0.0444, -0.0075]])
  })

  it('splits more than 100 inputs into batches of 100 and joins the vectors in order', async () => {
    server.reply({ body: batchAnswer(100, 0) }, { body: batchAnswer(100, 100) }, { body: batchAnswer(50, 200) })
    const input = Array.from({ length: 250 }, (_, index) => `text ${index}`)
    const result = await provider.embed({ model: 'gemini-embedding-001', input })
    expect(server.requests.map((request) => (request.json() as { requests: unknown[] }).requests.length)).toEqual([100, 100, 50])
    expect(result.embeddings).toHaveLength(250)
    expect(result.embeddings.map((vector) => vector[0])).toEqual(Array.from({ length: 250 }, (_, index) => index))
  })

  it('refuses a batch answer with a vector missing or of another length', async () => {
    server.reply({ body: batchAnswer(1) })
    expect((await providerError(provider.embed({ model: 'gemini-embedding-001', input: ['a', 'b'] }))).message).toContain('embeddings holds 1 vectors for 2 inputs')
    server.reply({ body: { embeddings: [{ values: [1, 2] }, { values: [1] }] } })
    expect((await providerError(provider.embed({ model: 'gemini-embedding-001', input: ['a', 'b'] }))).message).toContain('embeddings[1].values has 1 dimensions')
    server.reply({ body: { embedding: { values: [1, null] } } })
    expect((await providerError(provider.embed({ model: 'gemini-embedding-001', input: ['a'] }))).message).toContain('embedding.values[1] is not a finite number')
  })

  it('turns RESOURCE_EXHAUSTED into a retryable rate_limit and a 400 into bad_request', async () => {
    server.reply({ status: 429, body: fixtureJson('gemini/error-resource-exhausted.json') })
    expect(await providerError(provider.embed({ model: 'gemini-embedding-001', input: ['a'] }))).toMatchObject({ code: 'rate_limit', retryable: true })
    server.reply({ status: 400, body: { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } } })
    expect(await providerError(provider.embed({ model: 'gemini-embedding-001', input: ['a'] }))).toMatchObject({ code: 'bad_request', retryable: false })
  })
})
