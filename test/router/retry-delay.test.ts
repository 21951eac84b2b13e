import { describe, expect, it } from 'vitest'
import { retryDelay } from '../../src/router/retry-delay.js'
import { planRetry } from '../../src/router/retry-plan.js'
import { seededRandom } from './seeded-random.js'

describe('retryDelay', () => {
  it('draws full jitter within [0, base × 2^(attempt-1)] and covers the whole interval', () => {
    const random = seededRandom(7)
    for (const [attempt, ceiling] of [
      [1, 250],
      [2, 500],
      [3, 1000],
      [4, 2000],
    ] as const) {
      const delays = Array.from({ length: 5_000 }, () =>
        retryDelay({ attempt, baseDelayMs: 250, maxDelayMs: 8_000, random }),
      )
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling)
      // Full jitter, not "half plus jitter": both ends of the interval are reached.
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05)
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95)
      const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length
      expect(mean).toBeGreaterThan(ceiling * 0.45)
      expect(mean).toBeLessThan(ceiling * 0.55)
    }
  })

  it('never exceeds maxDelayMs however many retries were made', () => {
    const random = seededRandom(11)
    const delays = Array.from({ length: 2_000 }, (_, index) =>
      retryDelay({ attempt: index + 1, baseDelayMs: 250, maxDelayMs: 8_000, random }),
    )
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...delays)).toBeLessThanOrEqual(8_000)
    expect(retryDelay({ attempt: 5_000, baseDelayMs: 0, maxDelayMs: 8_000, random })).toBe(0)
  })

  it('treats Retry-After as a floor: never retries sooner than the provider asked', () => {
    const random = seededRandom(3)
    const delays = Array.from({ length: 1_000 }, () =>
      retryDelay({ attempt: 3, baseDelayMs: 250, maxDelayMs: 8_000, retryAfterMs: 4_000, random }),
    )
    expect(new Set(delays)).toEqual(new Set([4_000]))
    // A short Retry-After does not cut a longer backoff short.
    expect(
      retryDelay({ attempt: 6, baseDelayMs: 250, maxDelayMs: 8_000, retryAfterMs: 10, random: () => 0.99 }),
    ).toBe(7_920)
  })

  it('rejects an attempt number below 1', () => {
    expect(() => retryDelay({ attempt: 0, baseDelayMs: 250, maxDelayMs: 8_000, random: Math.random })).toThrow(
      RangeError,
    )
  })
})

describe('planRetry', () => {
  const base = { attempt: 1, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 30_000, random: () => 0.5 }

  it('waits the jittered backoff when the provider gave no Retry-After', () => {
    expect(planRetry(base)).toEqual({ action: 'wait', delayMs: 125 })
  })

  it('waits out a Retry-After up to maxRetryAfterMs', () => {
    expect(planRetry({ ...base, retryAfterMs: 30_000 })).toEqual({ action: 'wait', delayMs: 30_000 })
  })

  it('moves on to the next target when Retry-After is longer than maxRetryAfterMs', () => {
    expect(planRetry({ ...base, retryAfterMs: 60_000 })).toEqual({
      action: 'move-on',
      reason: 'retry-after-too-long',
      retryAfterMs: 60_000,
    })
  })

  it('moves on when the wait would outlast the time left for the request', () => {
    expect(planRetry({ ...base, retryAfterMs: 5_000, remainingMs: 4_000 })).toEqual({
      action: 'move-on',
      reason: 'deadline',
      delayMs: 5_000,
      remainingMs: 4_000,
    })
  })
})
