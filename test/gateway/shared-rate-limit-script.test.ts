import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { RedisScriptClient } from '../../src/budget/shared/redis-script-client.js'
import { sharedRateLimitScript } from '../../src/gateway/shared-rate-limit-script.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { startRedisTestServer, type RedisTestServer } from '../budget/shared/redis-test-server.js'

describeWithPart('redis-server', 'the shared rate limit script on a real redis-server', (part) => {
  let server: RedisTestServer
  let client: RedisScriptClient
  let run = 0
  let key = ''

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    client = new RedisScriptClient({ url: server.url, commandTimeoutMs: 5_000, script: { source: sharedRateLimitScript, name: 'switchyard rate limit script' } })
    expect(await client.ready(5_000)).toBe(true)
  })

  afterAll(async () => {
    await client.close()
    await server.stop()
  })

  beforeEach(() => {
    run += 1
    key = `switchyard:ratelimit:test-key-${run}`
  })

  const admit = (requestsPerMinute: number, tokensPerMinute = 0): Promise<unknown> =>
    client.run([key], ['admit', String(requestsPerMinute), String(tokensPerMinute)])
  const spend = (requestsPerMinute: number, tokensPerMinute: number, tokens: number): Promise<unknown> =>
    client.run([key], ['spend', String(requestsPerMinute), String(tokensPerMinute), String(tokens)])
  const command = async <T>(...args: string[]): Promise<T> => (await client.connect()).sendCommand<T>(args)
  /** Redis's own clock in ms, which the script measures with. */
  const redisNow = async (): Promise<number> => {
    const [seconds, micros] = await command<string[]>('TIME')
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  }

  it('admits exactly requestsPerMinute from a full bucket, then refuses the next with the time until one refills', async () => {
    const answers = []
    for (let index = 0; index < 11; index += 1) answers.push(await admit(10))
    expect(answers.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => [1]))
    const refused = answers[10] as [number, string, number]
    expect(refused.slice(0, 2)).toEqual([0, 'requests'])
    // 10 a minute: one request every 6 s, minus what refilled while the test ran.
    expect(refused[2]).toBeGreaterThan(5_000)
    expect(refused[2]).toBeLessThanOrEqual(6_000)
  })

  it('refills from the stored level and time on Redis TIME: 5 s after empty is not a request yet, 6 s is', async () => {
    await command('HSET', key, 'requests', '0', 'requests_at', String(await redisNow() - 5_000))
    const early = await admit(10) as [number, string, number]
    expect(early.slice(0, 2)).toEqual([0, 'requests'])
    expect(early[2]).toBeGreaterThan(0)
    expect(early[2]).toBeLessThanOrEqual(1_000)
    await command('HSET', key, 'requests', '0', 'requests_at', String(await redisNow() - 6_000))
    expect(await admit(10)).toEqual([1])
    expect((await admit(10) as unknown[])[0]).toBe(0)
  })

  it('never refills past requestsPerMinute however long the key was idle', async () => {
    await command('HSET', key, 'requests', '0', 'requests_at', String(await redisNow() - 3_600_000))
    let admitted = 0
    for (let index = 0; index < 8; index += 1) if ((await admit(5) as unknown[])[0] === 1) admitted += 1
    expect(admitted).toBe(5)
  })

  it('lets spent tokens take the bucket below zero, then refuses until it is positive again', async () => {
    expect(await admit(0, 100)).toEqual([1])
    expect(await spend(0, 100, 150)).toBe(1)
    const refused = await admit(0, 100) as [number, string, number]
    expect(refused.slice(0, 2)).toEqual([0, 'tokens'])
    // From -50 at 100 a minute: 600 ms a token, 51 tokens to be above zero.
    expect(refused[2]).toBeGreaterThan(29_000)
    expect(refused[2]).toBeLessThanOrEqual(30_600)
    const level = Number(await command<string>('HGET', key, 'tokens'))
    expect(level).toBeLessThan(-49)
    expect(level).toBeGreaterThan(-50.1)
  })

  it('refuses on tokens before it takes a request, so a refused call costs no request', async () => {
    await spend(10, 100, 200)
    expect((await admit(10, 100) as unknown[])[1]).toBe('tokens')
    expect(await command<string | null>('HGET', key, 'requests')).toBeNull()
  })

  it('sets a TTL until the buckets are full again, so idle keys vanish', async () => {
    await admit(10)
    // One request missing at 10 a minute: full in 6 s, kept a second more.
    const afterAdmit = await command<number>('PTTL', key)
    expect(afterAdmit).toBeGreaterThan(6_000)
    expect(afterAdmit).toBeLessThanOrEqual(7_000)
    await spend(10, 100, 150)
    // 150 tokens below full at 100 a minute: 90 s.
    const afterSpend = await command<number>('PTTL', key)
    expect(afterSpend).toBeGreaterThan(90_000)
    expect(afterSpend).toBeLessThanOrEqual(91_000)
  })

  it('keeps nothing for a key whose buckets stay full', async () => {
    expect(await admit(0, 100)).toEqual([1])
    expect(await command<number>('EXISTS', key)).toBe(0)
  })

  it('debits several keys in one call and skips keys without a tokens limit', async () => {
    const other = `${key}-other`
    expect(await client.run([key, other], ['spend', '0', '100', '30', '10', '0', '30'])).toBe(1)
    expect(Number(await command<string>('HGET', key, 'tokens'))).toBeCloseTo(70, 0)
    expect(await command<number>('EXISTS', other)).toBe(0)
  })

  it('rejects a bad argument as a script error naming it, not as Redis being down', async () => {
    await expect(client.run([key], ['admit', 'ten', '0'])).rejects.toThrow(/switchyard rate limit script: bad requestsPerMinute/)
    await expect(client.run([key], ['grant', '1', '0'])).rejects.toThrow(/unknown mode/)
  })
})
