import { describe, expect, it } from 'vitest'
import { RetryBudget } from '../../src/router/retry-budget.js'
import { manualClock } from './manual-clock.js'

describe('RetryBudget', () => {
  it('keeps calls within (1 + ratio) × requests plus the floor in a storm of 10,000 failing requests', () => {
    const clock = manualClock()
    const budget = new RetryBudget({ ratio: 0.2, minimumPerSecond: 3, windowMs: 10_000, now: clock.now })
    const requests = 10_000
    const spacingMs = 10 // 100 requests per second, 100 seconds
    let calls = 0
    for (let request = 0; request < requests; request += 1) {
      budget.recordRequest()
      calls += 1
      for (let retry = 1; retry < 6 && budget.tryAcquireRetry(); retry += 1) calls += 1
      clock.advance(spacingMs)
    }
    const seconds = (requests * spacingMs) / 1000
    // The floor adds minimumPerSecond for every second of the storm, plus one window's reserve up front.
    const floor = 3 * (seconds + 10)
    expect(calls).toBeLessThanOrEqual(requests * 1.2 + floor)
    expect(calls / requests).toBeLessThanOrEqual(1.2 + floor / requests)
    // And the budget is used, not just refused: retries keep flowing at the allowed rate.
    expect(calls / requests).toBeGreaterThan(1.15)
    const counts = budget.counts()
    expect(counts.requests).toBe(requests)
    expect(counts.retries).toBe(calls - requests)
    expect(counts.refused).toBeGreaterThan(0)
  })

  it('holds the ratio exactly when there is no floor', () => {
    const clock = manualClock()
    const budget = new RetryBudget({ ratio: 0.2, minimumPerSecond: 0, windowMs: 10_000, now: clock.now })
    let calls = 0
    for (let request = 0; request < 10_000; request += 1) {
      budget.recordRequest()
      calls += 1
      for (let retry = 1; retry < 6 && budget.tryAcquireRetry(); retry += 1) calls += 1
      clock.advance(3)
    }
    expect(calls).toBeLessThanOrEqual(12_000)
  })

  it('lets a quiet service retry thanks to the per-second floor', () => {
    const clock = manualClock()
    const budget = new RetryBudget({ ratio: 0.2, minimumPerSecond: 3, windowMs: 10_000, now: clock.now })
    budget.recordRequest()
    expect(budget.tryAcquireRetry()).toBe(true)
    expect(budget.tryAcquireRetry()).toBe(true)
  })

  it('refuses once spent, counts the refusals, and recovers when the window has passed', () => {
    const clock = manualClock()
    const budget = new RetryBudget({ ratio: 0.5, minimumPerSecond: 0, windowMs: 1_000, now: clock.now })
    budget.recordRequest()
    budget.recordRequest()
    expect(budget.tryAcquireRetry()).toBe(true)
    expect(budget.tryAcquireRetry()).toBe(false)
    expect(budget.tryAcquireRetry()).toBe(false)
    expect(budget.counts()).toEqual({ requests: 2, retries: 1, refused: 2 })
    clock.advance(1_000)
    // Old deposits left with the old withdrawals; new traffic earns new retries.
    expect(budget.tryAcquireRetry()).toBe(false)
    budget.recordRequest()
    budget.recordRequest()
    expect(budget.tryAcquireRetry()).toBe(true)
  })
})
