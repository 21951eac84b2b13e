import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { startGateway, type Gateway } from '../../src/gateway/start-gateway.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig, upstreamKey } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
const directory = makeTempDirectory('gateway-keys-errors')
const limited = createVirtualKey()
const open = createVirtualKey()
const capped = createVirtualKey()

beforeAll(async () => {
  upstream = await startProviderServer()
  const config = testConfig(upstream.url, {
    gateway: {
      keys: [
        { name: 'limited', hash: limited.hash, routes: ['fast'], rateLimit: { requestsPerMinute: 2 } },
        { name: 'open', hash: open.hash, tags: { team: 'b' } },
        { name: 'capped', hash: capped.hash },
      ],
    },
    budgets: [{ name: 'capped-key', match: { 'tag.key': 'capped' }, window: '1h', limitUsd: '0.0000001' }],
  })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(() => upstream.reset())

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function client(apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(OpenAI.APIError)
  return error as InstanceType<typeof OpenAI.APIError>
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] }

describe('virtual keys', () => {
  it('refuses a request without a key, or with a wrong one, as AuthenticationError without echoing it', async () => {
    const missing = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: { type: 'authentication_error', code: 'unauthorized' } })
    const wrong = await failure(client('sy-not-a-real-key-at-all').chat.completions.create({ model: 'fast', ...ask }))
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(wrong.code).toBe('unauthorized')
    expect(wrong.message).not.toContain('sy-not-a-real-key-at-all')
    expect(upstream.requests).toHaveLength(0)
  })

  it('accepts the key as x-api-key too, and never sends it upstream', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': open.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', ...ask }),
    })
    expect(response.status).toBe(200)
    const sent = upstream.lastRequest()
    expect(sent.headers.authorization).toBe(`Bearer ${upstreamKey}`)
    expect(JSON.stringify(sent.headers) + sent.body).not.toContain(open.key)
  })

  it('refuses a model the key may not use as PermissionDeniedError', async () => {
    const error = await failure(client(limited.key).chat.completions.create({ model: 'smart', ...ask }))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(error.code).toBe('forbidden')
  })

  it('lists only the models the key may use', async () => {
    const models = await client(limited.key).models.list()
    expect(models.data.map((model) => model.id)).toEqual(['fast'])
    expect((await client(limited.key).models.retrieve('fast')).id).toBe('fast')
    expect(await failure(client(limited.key).models.retrieve('up/gpt-4o'))).toBeInstanceOf(OpenAI.NotFoundError)
    expect((await client(open.key).models.retrieve('up/gpt-4o')).owned_by).toBe('up')
  })

  it('answers an unknown model with NotFoundError naming it', async () => {
    const error = await failure(client(open.key).chat.completions.create({ model: 'no-such-route', ...ask }))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error.code).toBe('model_not_found')
    expect(error.message).toContain('no-such-route')
  })

  it('limits a key to its requests per minute with a 429 rate_limited and Retry-After', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
    const limitedClient = client(limited.key)
    // Earlier tests in this file may have taken from the bucket; at most two requests pass.
    const outcomes = []
    for (let index = 0; index < 3; index += 1) outcomes.push(await limitedClient.chat.completions.create({ model: 'fast', ...ask }).then(() => 'ok', (error: unknown) => error))
    const refused = outcomes.find((outcome) => outcome !== 'ok')
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limited')
    expect(Number((refused as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // Another key is unaffected.
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    await expect(client(open.key).chat.completions.create({ model: 'fast', ...ask })).resolves.toBeDefined()
  })

  it('answers a budget refusal as 429 budget_exceeded before any upstream call', async () => {
    const error = await failure(client(capped.key).chat.completions.create({ model: 'fast', ...ask }))
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.code).toBe('budget_exceeded')
    expect(upstream.requests).toHaveLength(0)
  })

  it('answers every target failing as a 502 upstream_failed that names the attempt, without the upstream key', async () => {
    upstream.reply({ status: 500, body: fixtureJson('openai/error-server.json') })
    const error = await failure(client(open.key).chat.completions.create({ model: 'fast', ...ask }))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(502)
    expect(error.code).toBe('upstream_failed')
    expect(error.message).toContain('up/gpt-4o-mini')
    expect(error.message).not.toContain(upstreamKey)
  })

  it('serves /healthz without a key, and /metrics only with one', async () => {
    const probe = await fetch(`${gateway.url}/healthz`)
    expect(probe.status).toBe(200)
    // Without a key the probe says its status only; with one, the store and queue too.
    expect(await probe.json()).toEqual({ status: 'ok' })
    const detailed = await fetch(`${gateway.url}/healthz`, { headers: { authorization: `Bearer ${open.key}` } })
    expect(await detailed.json()).toMatchObject({ status: 'ok', store: 'ok' })
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401)
    const metrics = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${open.key}` } })
    expect(metrics.status).toBe(200)
    const text = await metrics.text()
    expect(text).toContain('switchyard_gateway_requests_total{endpoint="/v1/chat/completions",status="200"}')
    expect(text).toContain('switchyard_gateway_refusals_total{code="forbidden"} 1')
  })
})

describe('starting without keys', () => {
  it('refuses a non-loopback host unless told --no-auth', async () => {
    const config = testConfig('http://127.0.0.1:9')
    const error = await startGateway({ config, host: '0.0.0.0', port: 0 }).catch((caught: unknown) => caught)
    expect(ConfigError.isInstance(error)).toBe(true)
    expect((error as ConfigError).message).toContain('--no-auth')
  })
})
