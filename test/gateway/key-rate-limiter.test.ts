import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { KeyRateLimiter } from '../../src/gateway/key-rate-limiter.js'

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let time = start
  return { now: () => time, advance: (ms) => (time += ms) }
}

function refusal(run: () => void): GatewayError {
  try {
    run()
  } catch (error) {
    if (GatewayError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('KeyRateLimiter', () => {
  it('lets requestsPerMinute through, refuses the next with Retry-After, and refills over the minute', () => {
    const time = clock()
    const limiter = new KeyRateLimiter(time.now)
    for (let index = 0; index < 3; index += 1) limiter.admit('a', { requestsPerMinute: 3 })
    const refused = refusal(() => limiter.admit('a', { requestsPerMinute: 3 }))
    expect(refused.status).toBe(429)
    expect(refused.code).toBe('rate_limited')
    expect(refused.retryAfterSeconds).toBe(20)
    time.advance(20_000)
    expect(() => limiter.admit('a', { requestsPerMinute: 3 })).not.toThrow()
  })

  it('refuses once the tokens spent use up tokensPerMinute, until they refill', () => {
    const time = clock()
    const limiter = new KeyRateLimiter(time.now)
    limiter.admit('a', { tokensPerMinute: 1000 })
    limiter.spend('a', 1500)
    const refused = refusal(() => limiter.admit('a', { tokensPerMinute: 1000 }))
    expect(refused.message).toContain('tokens per minute')
    // 500 tokens below zero refill in 30 s; one more token is needed to pass.
    expect(refused.retryAfterSeconds).toBe(31)
    time.advance(31_000)
    expect(() => limiter.admit('a', { tokensPerMinute: 1000 })).not.toThrow()
  })

  it('keeps keys apart, and forgets keys a reload removed', () => {
    const time = clock()
    const limiter = new KeyRateLimiter(time.now)
    limiter.admit('a', { requestsPerMinute: 1 })
    expect(() => limiter.admit('a', { requestsPerMinute: 1 })).toThrow()
    expect(() => limiter.admit('b', { requestsPerMinute: 1 })).not.toThrow()
    limiter.retain(new Set(['b']))
    expect(() => limiter.admit('a', { requestsPerMinute: 1 })).not.toThrow()
  })

  it('does nothing for a key without limits', () => {
    const limiter = new KeyRateLimiter()
    for (let index = 0; index < 100; index += 1) limiter.admit('free', undefined)
    limiter.spend('free', 1_000_000)
    expect(() => limiter.admit('free', {})).not.toThrow()
  })
})
