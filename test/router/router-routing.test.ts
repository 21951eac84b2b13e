import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { isAllTargetsFailedError, RequestAbortedError } from '../../src/router/router-errors.js'
import { isProviderError } from '../../src/providers/provider-error.js'
import type { RouterConfigInput } from '../../src/router/router-config.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let primary: ProviderServer
let backup: ProviderServer
let router: Router | undefined

beforeAll(async () => {
  primary = await startProviderServer()
  backup = await startProviderServer()
})
afterAll(async () => {
  await primary.close()
  await backup.close()
})
afterEach(async () => {
  await router?.close()
  router = undefined
  primary.reset()
  backup.reset()
})

const completion = fixtureJson('openai/chat-completion.json')
const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]
const overloaded = { status: 503, body: fixtureJson('openai/error-overloaded.json') }

function makeRouter(route: Record<string, unknown> = {}): Router {
  const config: RouterConfigInput = {
    providers: {
      primary: { type: 'openai', apiKey: 'sk-primary-SECRET', baseURL: `${primary.url}/v1` },
      backup: { type: 'openai', apiKey: 'sk-backup-SECRET', baseURL: `${backup.url}/v1` },
    },
    routes: {
      smart: {
        targets: [{ provider: 'primary', model: 'o4-mini' }, { provider: 'backup', model: 'o4-mini' }],
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
        ...route,
      },
    },
  }
  router = createRouter(config)
  return router
}

describe('fallback and retries against loopback OpenAI-format servers', () => {
  it('falls back to the second target when the first returns 503, pricing the answer exactly', async () => {
    const chat = makeRouter({ retry: { attempts: 1 } })
    primary.reply(overloaded)
    backup.reply({ body: completion })
    const result = await chat.chat({ route: 'smart', messages })
    expect(result.provider).toBe('backup')
    expect(result.text).toBe('The capital of France is Paris.')
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.errorCode])).toEqual([
      ['primary', 'error', 'overloaded'],
      ['backup', 'success', undefined],
    ])
    // o4-mini: 138 uncached input × $1.10/M + 1152 cached × $0.275/M + 212 output × $4.40/M
    //        = 0.0001518 + 0.0003168 + 0.0009328 = 0.0014014
    expect(result.costUsd).toBe('0.0014014')
    expect(result.costSource).toBe('catalog')
  })

  it('never retries a 429 with Retry-After: 2 sooner than 2 seconds', async () => {
    const chat = makeRouter()
    primary.reply({ status: 429, headers: { 'retry-after': '2' }, body: fixtureJson('openai/error-rate-limit.json') }, { body: completion })
    const result = await chat.chat({ route: 'smart', messages })
    expect(result.provider).toBe('primary')
    expect(primary.requests).toHaveLength(2)
    const [first, second] = primary.requests.map((request) => request.receivedAt)
    expect(second! - first!).toBeGreaterThanOrEqual(2_000)
  })

  it('moves on to the next target instead of sleeping through a Retry-After longer than maxRetryAfterMs', async () => {
    const chat = makeRouter({ retry: { attempts: 3, maxRetryAfterMs: 1_000 } })
    primary.reply({ status: 429, headers: { 'retry-after': '60' }, body: fixtureJson('openai/error-rate-limit.json') })
    backup.reply({ body: completion })
    const started = Date.now()
    const result = await chat.chat({ route: 'smart', messages })
    expect(result.provider).toBe('backup')
    expect(primary.requests).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('gives up on a slow attempt after attemptMs and falls back', async () => {
    const chat = makeRouter({ retry: { attempts: 1 }, timeouts: { attemptMs: 300 } })
    primary.reply({ body: completion, delayMs: 3_000 })
    backup.reply({ body: completion })
    const result = await chat.chat({ route: 'smart', messages })
    expect(result.provider).toBe('backup')
    expect(result.attempts[0]).toMatchObject({ provider: 'primary', errorCode: 'timeout' })
    expect(result.attempts[0]!.durationMs).toBeLessThan(1_500)
  })

  it('stops at the total deadline across retries and fallbacks', async () => {
    const chat = makeRouter({ retry: { attempts: 1 }, timeouts: { attemptMs: 5_000, totalMs: 400 } })
    primary.reply({ body: completion, delayMs: 3_000 })
    backup.reply({ body: completion, delayMs: 3_000 })
    const started = Date.now()
    const error = await chat.chat({ route: 'smart', messages }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RequestAbortedError)
    expect((error as RequestAbortedError).code).toBe('deadline_exceeded')
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it("honours the caller's AbortSignal and does not fall back after it", async () => {
    const chat = makeRouter({ retry: { attempts: 1 } })
    primary.reply({ body: completion, delayMs: 3_000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = await chat.chat({ route: 'smart', messages, signal: controller.signal }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RequestAbortedError)
    expect((error as RequestAbortedError).code).toBe('request_aborted')
    expect(backup.requests).toHaveLength(0)
  })

  it('opens the breaker after consecutive failures, skips the target, then lets a probe through and recovers', async () => {
    const chat = makeRouter({ retry: { attempts: 1 }, breaker: { failureThreshold: 2, cooldownMs: 300 } })
    primary.reply(overloaded, overloaded)
    backup.reply({ body: completion }, { body: completion }, { body: completion })
    await chat.chat({ route: 'smart', messages })
    await chat.chat({ route: 'smart', messages })
    expect(chat.breakerStates()['primary/o4-mini']).toBe('open')
    const whileOpen = await chat.chat({ route: 'smart', messages })
    expect(whileOpen.provider).toBe('backup')
    expect(primary.requests).toHaveLength(2)
    await new Promise((resolve) => setTimeout(resolve, 350))
    primary.reply({ body: completion })
    const probe = await chat.chat({ route: 'smart', messages })
    expect(probe.provider).toBe('primary')
    expect(chat.breakerStates()['primary/o4-mini']).toBe('closed')
  })

  it('fails with AllTargetsFailedError carrying each attempt, without leaking API keys', async () => {
    const chat = makeRouter({ retry: { attempts: 1 } })
    primary.reply({ status: 401, body: fixtureJson('openai/error-invalid-api-key.json') })
    backup.reply(overloaded)
    const error = await chat.chat({ route: 'smart', messages }).catch((caught: unknown) => caught)
    expect(isAllTargetsFailedError(error)).toBe(true)
    if (!isAllTargetsFailedError(error)) return
    expect(error.attempts.map((attempt) => attempt.errorCode)).toEqual(['auth', 'overloaded'])
    expect(error.errors.every(isProviderError)).toBe(true)
    const everything = `${String(error)} ${error.stack} ${JSON.stringify(error)} ${JSON.stringify(error.attempts)}`
    expect(everything).not.toContain('sk-primary-SECRET')
    expect(everything).not.toContain('sk-backup-SECRET')
  })

  it('skips a target whose model cannot fit the request, and says why', async () => {
    const chat = makeRouter({ retry: { attempts: 1 }, targets: [{ provider: 'primary', model: 'tiny', contextWindow: 100 }, { provider: 'backup', model: 'o4-mini' }] })
    backup.reply({ body: completion })
    const result = await chat.chat({ route: 'smart', messages: [{ role: 'user', content: 'x'.repeat(2_000) }] })
    expect(result.provider).toBe('backup')
    expect(primary.requests).toHaveLength(0)
  })
})

describe('streams', () => {
  it('retries a stream that fails before its first chunk, but never re-sends one that was cut midway', async () => {
    const chat = makeRouter({ retry: { attempts: 1 } })
    const sse = fixture('openai/chat-stream.sse')
    primary.reply(overloaded)
    backup.reply({ sse, cutAfterBytes: Math.floor(sse.length / 2), cutMode: 'destroy' })
    const stream = chat.stream({ route: 'smart', messages })
    const received: string[] = []
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.type === 'text-delta') received.push(chunk.text)
    })().catch((caught: unknown) => caught)
    expect(received.length).toBeGreaterThan(0)
    expect(isProviderError(error)).toBe(true)
    expect(primary.requests).toHaveLength(1)
    expect(backup.requests).toHaveLength(1)
    await expect(stream.result).rejects.toBeTruthy()
  })

  it('delivers a whole stream and its priced result', async () => {
    const chat = makeRouter()
    primary.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: [7, 13, 5] })
    const stream = chat.stream({ route: 'smart', messages })
    let text = ''
    for await (const chunk of stream) if (chunk.type === 'text-delta') text += chunk.text
    const result = await stream.result
    expect(result.text).toBe(text)
    expect(result.usage.outputTokens).toBeGreaterThan(0)
    expect(result.costSource).toBe('catalog')
  })
})
