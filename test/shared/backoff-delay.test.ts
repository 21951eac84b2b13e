import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../src/shared/backoff-delay.js'
import { seededRandom } from '../router/seeded-random.js'

describe('backoffDelay', () => {
  const base = { baseDelayMs: 200, maxDelayMs: 5_000 }

  it('draws from the injected random: 0 waits nothing, just under 1 waits almost the whole ceiling', () => {
    expect(backoffDelay({ ...base, attempt: 3, random: () => 0 })).toBe(0)
    expect(backoffDelay({ ...base, attempt: 3, random: () => 0.5 })).toBe(400)
    expect(backoffDelay({ ...base, attempt: 3, random: () => 0.999 })).toBe(799)
  })

  it('gives the same delays for the same random sequence, so a seeded test is reproducible', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed)
      return Array.from({ length: 50 }, (_, index) => backoffDelay({ ...base, attempt: (index % 8) + 1, random }))
    }
    expect(draw(5)).toEqual(draw(5))
    expect(draw(5)).not.toEqual(draw(6))
  })

  it('jitters fully: a spread of draws reaches both ends of [0, ceiling], not only its upper half', () => {
    const random = seededRandom(13)
    const delays = Array.from({ length: 2_000 }, () => backoffDelay({ ...base, attempt: 4, random }))
    expect(Math.min(...delays)).toBeLessThan(1_600 * 0.05)
    expect(Math.max(...delays)).toBeGreaterThan(1_600 * 0.95)
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_600)
  })

  it('doubles the ceiling per attempt up to maxDelayMs, even for an absurd attempt count', () => {
    const almostOne = () => 0.9999
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay({ ...base, attempt, random: almostOne }))).toEqual([
      199, 399, 799, 1_599, 3_199, 4_999, 4_999,
    ])
    expect(backoffDelay({ ...base, attempt: 100_000, random: almostOne })).toBe(4_999)
    expect(backoffDelay({ baseDelayMs: 0, maxDelayMs: 5_000, attempt: 100_000, random: almostOne })).toBe(0)
  })

  it('keeps a random source that strays outside [0, 1) within [0, ceiling]', () => {
    expect(backoffDelay({ ...base, attempt: 2, random: () => -3 })).toBe(0)
    expect(backoffDelay({ ...base, attempt: 2, random: () => 7 })).toBe(400)
    expect(backoffDelay({ ...base, attempt: 2, random: () => Number.NaN })).toBe(0)
  })

  it('rejects an attempt that is not a whole number from 1', () => {
    expect(() => backoffDelay({ ...base, attempt: 0, random: Math.random })).toThrow(RangeError)
    expect(() => backoffDelay({ ...base, attempt: 1.5, random: Math.random })).toThrow(RangeError)
  })
})
