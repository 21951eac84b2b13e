import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
let client: OpenAI
const directory = makeTempDirectory('gateway-embeddings')
const first = [-0.0062, 0.0315, -0.0198, 0.0541]
const second = [0.0231, -0.0112, 0.0457, 0.0089]

beforeAll(async () => {
  upstream = await startProviderServer()
  const config = testConfig(upstream.url, {
    routes: { embed: { targets: [{ provider: 'up', model: 'text-embedding-3-small' }], retry: { attempts: 1 } } },
  })
  gateway = await startTestGateway(directory.path, { config })
  client = new OpenAI({ apiKey: 'unused-without-keys', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}, 60_000)

afterEach(() => upstream.reset())

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function expectVector(actual: readonly number[] | undefined, expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length)
  expected.forEach((value, index) => expect(actual![index]).toBeCloseTo(value, 6))
}

describe('POST /v1/embeddings with the official openai SDK', () => {
  it('answers the SDK default (base64 float32, little-endian), which the SDK decodes to the vectors in input order', async () => {
    upstream.reply({ body: fixtureJson('openai/embeddings.json') })
    const { data, response } = await client.embeddings.create({ model: 'embed', input: ['alpha', 'beta'] }).withResponse()
    expectVector(data.data[0]?.embedding, first)
    expectVector(data.data[1]?.embedding, second)
    expect(data.usage.prompt_tokens).toBe(12)
    expect(response.headers.get('x-switchyard-provider')).toBe('up')
    expect(response.headers.get('x-switchyard-cost-usd')).toMatch(/^\d+(\.\d+)?$/)
    // The SDK asked base64; the gateway asks its upstream for what it reads.
    expect(upstream.lastRequest().json()).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] })
  })

  it('answers plain float arrays when encoding_format is float, for provider/model too', async () => {
    upstream.reply({ body: fixtureJson('openai/embeddings.json') })
    const result = await client.embeddings.create({ model: 'up/text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 4 })
    expect(result.data[0]?.embedding).toEqual(first)
    expect(upstream.lastRequest().json()).toMatchObject({ dimensions: 4 })
  })

  it('refuses token arrays as input with a 400 naming the field', async () => {
    const error = await client.embeddings.create({ model: 'embed', input: [[1, 2, 3]] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input.0')
    expect(upstream.requests).toHaveLength(0)
  })
})
