import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { RedisScriptClient } from '../../src/budget/shared/redis-script-client.js'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { KeyRateLimiter, type RateLimit } from '../../src/gateway/key-rate-limiter.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { startRedisTestServer, type RedisTestServer } from '../budget/shared/redis-test-server.js'

/** How many of `count` admissions, spread over the limiters in turn and all in flight at once, are let through; the refusals. */
async function admitConcurrently(limiters: KeyRateLimiter[], keyName: string, limit: RateLimit, count: number): Promise<{ admitted: number; refusals: unknown[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, async () => undefined).map(async (_unused, index) =>
    limiters[index % limiters.length]!.admit(keyName, limit)))
  const refusals = outcomes.flatMap((outcome) => outcome.status === 'rejected' ? [outcome.reason as unknown] : [])
  return { admitted: count - refusals.length, refusals }
}

describeWithPart('redis-server', 'per-key rate limits shared by two limiters (two gateway processes) on one Redis', (part) => {
  let redis: RedisTestServer
  const limiters: KeyRateLimiter[] = []
  const warnings: string[] = []
  const logger: DiagLogger = {
    error: (message) => warnings.push(message),
    warn: (message) => warnings.push(message),
    info: (message) => warnings.push(message),
    debug: () => undefined,
    verbose: () => undefined,
  }

  /** A limiter as one gateway process holds it, on the test's Redis with `onUnavailable`. */
  const sharedLimiter = async (onUnavailable: 'local' | 'block'): Promise<KeyRateLimiter> => {
    const limiter = new KeyRateLimiter()
    limiters.push(limiter)
    await limiter.useShared({ url: redis.url, onUnavailable })
    return limiter
  }

  beforeAll(async () => {
    redis = await startRedisTestServer(part.executable)
    diag.setLogger(logger, DiagLogLevel.INFO)
  }, 30_000)

  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()))
    warnings.length = 0
  })

  afterAll(async () => {
    diag.disable()
    await redis?.stop()
  })

  it('lets two limiters together admit exactly the key\'s requestsPerMinute: 10 of 40 concurrent', async () => {
    const both = [await sharedLimiter('block'), await sharedLimiter('block')]
    const { admitted, refusals } = await admitConcurrently(both, 'together', { requestsPerMinute: 10 }, 40)
    expect(admitted).toBe(10)
    expect(refusals).toHaveLength(30)
    for (const refusal of refusals) {
      expect(GatewayError.isInstance(refusal) && refusal.status === 429 && refusal.code === 'rate_limited').toBe(true)
      expect((refusal as GatewayError).retryAfterSeconds).toBeGreaterThanOrEqual(1)
    }
  })

  it('decides with one script call on Redis per admission, and debits the tokens of a turn in one more', async () => {
    const limiter = await sharedLimiter('block')
    const probe = new RedisScriptClient({ url: redis.url })
    try {
      const connection = await probe.connect()
      expect(await probe.ready(5_000)).toBe(true)
      // Loads the script, so no NOSCRIPT answer adds a call below.
      await limiter.admit('warm-up', { requestsPerMinute: 100 })
      await connection.sendCommand(['CONFIG', 'RESETSTAT'])
      await admitConcurrently([limiter], 'round-trips', { requestsPerMinute: 100, tokensPerMinute: 10_000 }, 20)
      for (let index = 0; index < 20; index += 1) limiter.spend('round-trips', 10)
      await limiter.shared!.settled()
      const stats = await connection.sendCommand<string>(['INFO', 'commandstats'])
      // EVALSHA of the one script: 20 admissions and one debit of the 20 calls' tokens.
      expect(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1]).toBe('21')
    } finally {
      await probe.close()
    }
  })

  it('lets each limiter admit the whole limit without shared, as separate processes did', async () => {
    const both = [new KeyRateLimiter(), new KeyRateLimiter()]
    const { admitted } = await admitConcurrently(both, 'apart', { requestsPerMinute: 10 }, 40)
    expect(admitted).toBe(20)
    // Without shared the decision stays synchronous.
    expect(both[0]!.admit('apart-sync', { requestsPerMinute: 10 })).toBeUndefined()
  })

  it('refuses on one limiter the tokens another one spent', async () => {
    const [first, second] = [await sharedLimiter('block'), await sharedLimiter('block')]
    const limit = { tokensPerMinute: 100 }
    await first!.admit('tokens', limit)
    first!.spend('tokens', 150)
    await first!.shared!.settled()
    const refused = await second!.admit('tokens', limit)?.then(() => undefined, (error: unknown) => error)
    expect(GatewayError.isInstance(refused) && refused.code === 'rate_limited').toBe(true)
    expect((refused as GatewayError).message).toMatch(/tokens per minute/)
    expect((refused as GatewayError).retryAfterSeconds).toBeGreaterThan(25)
  })

  it('falls back to per-process buckets under onUnavailable local while Redis is down (warned once), and shares again once it is back', async () => {
    const [first, second] = [await sharedLimiter('local'), await sharedLimiter('local')]
    const limit = { requestsPerMinute: 10 }
    expect((await admitConcurrently([first!, second!], 'outage-local', limit, 40)).admitted).toBe(10)
    await redis.kill()
    // Each process now counts alone: 10 each.
    expect((await admitConcurrently([first!, second!], 'outage-local', limit, 40)).admitted).toBe(20)
    expect(warnings.filter((message) => message.includes('shared rate limiter does not answer'))).toHaveLength(2)
    expect(warnings.join('\n')).toContain('onUnavailable is local')
    await redis.restart()
    expect(await first!.shared!.ready(10_000)).toBe(true)
    expect(await second!.shared!.ready(10_000)).toBe(true)
    // Redis came back empty: one full shared bucket again, for both.
    expect((await admitConcurrently([first!, second!], 'outage-local', limit, 40)).admitted).toBe(10)
    expect(warnings.filter((message) => message.includes('answers again'))).toHaveLength(2)
  }, 30_000)

  it('refuses with 503 gateway_unavailable under onUnavailable block while Redis is down, and admits once it is back', async () => {
    const limiter = await sharedLimiter('block')
    const limit = { requestsPerMinute: 10 }
    await redis.kill()
    const { admitted, refusals } = await admitConcurrently([limiter], 'outage-block', limit, 5)
    expect(admitted).toBe(0)
    for (const refusal of refusals) {
      expect(GatewayError.isInstance(refusal) && refusal.status === 503 && refusal.code === 'gateway_unavailable').toBe(true)
      expect((refusal as GatewayError).message).toMatch(/shared rate limiter .* is down/)
    }
    await redis.restart()
    expect(await limiter.shared!.ready(10_000)).toBe(true)
    expect((await admitConcurrently([limiter], 'outage-block', limit, 12)).admitted).toBe(10)
  }, 30_000)

  it('follows a new shared config: without shared it counts per process again, synchronously', async () => {
    const limiter = await sharedLimiter('block')
    const admission = limiter.admit('follow', { requestsPerMinute: 10 })
    expect(admission).toBeInstanceOf(Promise)
    // Dropping shared lets the admission on its way finish first.
    await limiter.useShared(undefined)
    await expect(admission).resolves.toBeUndefined()
    expect(limiter.shared).toBeUndefined()
    expect(limiter.admit('follow', { requestsPerMinute: 10 })).toBeUndefined()
  })
})
