import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { KeyRateLimiter } from '../../src/gateway/key-rate-limiter.js'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startRedisTestServer, type RedisTestServer } from '../budget/shared/redis-test-server.js'
import { startTestGateway } from './start-test-gateway.js'

const limits = {
  team: { requestsPerMinute: 3 },
  // The fixture's call uses 1,502 tokens: one call takes this bucket below zero.
  tokens: { tokensPerMinute: 1_000 },
  outage: { requestsPerMinute: 2 },
  fresh: { requestsPerMinute: 1 },
}
const secrets = Object.fromEntries(Object.keys(limits).map((name) => [name, createVirtualKey()]))

describeWithPart('redis-server', 'a gateway whose per-key rate limits are shared through Redis', (part) => {
  const directory = makeTempDirectory('gateway-shared-rate-limit')
  const configPath = path.join(directory.path, 'switchyard.config.json')
  let redis: RedisTestServer
  let upstream: ProviderServer
  let gateway: Gateway
  /** The limiter of another gateway process on the same Redis. */
  const other = new KeyRateLimiter()

  const writeConfig = (shared: { url: string; onUnavailable: 'local' | 'block' } | undefined): void => {
    writeFileSync(configPath, JSON.stringify({
      providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
      routes: { fast: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } } },
      gateway: { keys: Object.entries(limits).map(([name, rateLimit]) => ({ name, hash: secrets[name]!.hash, rateLimit })) },
      ...(shared === undefined ? {} : { shared }),
    }))
  }

  /** One chat request with the key `name`; the upstream answers it when admitted. */
  const ask = async (name: string): Promise<Response> => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets[name]!.key}` },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
  }

  const errorCode = async (response: Response): Promise<unknown> => ((await response.json()) as { error?: { code?: unknown } }).error?.code

  beforeAll(async () => {
    redis = await startRedisTestServer(part.executable)
    upstream = await startProviderServer()
    writeConfig({ url: redis.url, onUnavailable: 'local' })
    gateway = await startTestGateway(directory.path, { config: await loadConfig(configPath), configPath })
    await other.useShared({ url: redis.url, onUnavailable: 'block' })
  }, 60_000)

  afterEach(() => upstream.reset())

  afterAll(async () => {
    await other.close()
    await gateway?.close()
    await upstream?.close()
    await redis?.stop()
    directory.remove()
  }, 60_000)

  it('answers 429 rate_limited with Retry-After once another process took the shared bucket', async () => {
    await other.admit('team', limits.team)
    await other.admit('team', limits.team)
    expect((await ask('team')).status).toBe(200)
    const refused = await ask('team')
    expect(refused.status).toBe(429)
    expect(await errorCode(refused)).toBe('rate_limited')
    // 3 a minute: a request refills in 20 s.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(15)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(20)
    expect(upstream.requests).toHaveLength(1)
  })

  it('debits the tokens of a call through the gateway in Redis, where another process sees them', async () => {
    expect((await ask('tokens')).status).toBe(200)
    let refusal: unknown
    for (let round = 0; round < 100 && refusal === undefined; round += 1) {
      refusal = await other.admit('tokens', limits.tokens)?.then(() => undefined, (error: unknown) => error)
      if (refusal === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(refusal).toMatchObject({ code: 'rate_limited', status: 429 })
    const refused = await ask('tokens')
    expect(refused.status).toBe(429)
    expect((await refused.json() as { error: { message: string } }).error.message).toMatch(/tokens per minute/)
  })

  it('falls back to per-process limits while Redis is down under local, refuses with 503 under block, and shares again once it is back', async () => {
    // The shared bucket is empty: another process took both requests.
    await other.admit('outage', limits.outage)
    await other.admit('outage', limits.outage)
    expect((await ask('outage')).status).toBe(429)
    await redis.kill()
    // Alone, this process has its own 2 a minute.
    expect((await ask('outage')).status).toBe(200)
    expect((await ask('outage')).status).toBe(200)
    expect((await ask('outage')).status).toBe(429)

    writeConfig({ url: redis.url, onUnavailable: 'block' })
    expect((await gateway.reload()).ok).toBe(true)
    const blocked = await ask('outage')
    expect(blocked.status).toBe(503)
    const body = await blocked.json() as { error: { code: string; message: string } }
    expect(body.error.code).toBe('gateway_unavailable')
    expect(body.error.message).toMatch(/shared rate limiter .* is down/)

    await redis.restart()
    let answer = blocked
    for (let round = 0; round < 100 && answer.status === 503; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      upstream.reset()
      answer = await ask('outage')
    }
    // Redis came back empty: a full shared bucket of 2, one taken by this request, one by another process.
    expect(answer.status).toBe(200)
    expect(await other.shared!.ready(10_000)).toBe(true)
    await other.admit('outage', limits.outage)
    expect((await ask('outage')).status).toBe(429)
  }, 30_000)

  it('counts per process again after a reload without shared', async () => {
    writeConfig(undefined)
    expect((await gateway.reload()).ok).toBe(true)
    await other.admit('fresh', limits.fresh)
    expect((await ask('fresh')).status).toBe(200)
    expect((await ask('fresh')).status).toBe(429)
  })
})
