import { describe, expect, it } from 'vitest'
import { ProviderError, type ProviderErrorCode } from '../../src/providers/provider-error.js'
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/router/circuit-breaker.js'
import { countsAsBreakerFailure } from '../../src/router/counts-as-breaker-failure.js'
import { manualClock } from './manual-clock.js'

function breakerWithClock(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = manualClock()
  const breaker = new CircuitBreaker({
    failureThreshold: 5,
    errorRateThreshold: 0.5,
    windowMs: 30_000,
    minimumRequests: 10,
    cooldownMs: 15_000,
    now: clock.now,
    ...overrides,
  })
  return { breaker, clock }
}

function openBreaker(breaker: CircuitBreaker): void {
  for (let failure = 0; failure < 5; failure += 1) breaker.recordFailure()
}

describe('CircuitBreaker', () => {
  it('opens after the configured number of consecutive failures', () => {
    const { breaker } = breakerWithClock()
    for (let failure = 0; failure < 4; failure += 1) breaker.recordFailure()
    expect(breaker.state).toBe('closed')
    expect(breaker.allowRequest()).toBe(true)
    breaker.recordFailure()
    expect(breaker.state).toBe('open')
    expect(breaker.openReason).toBe('consecutive-failures')
    expect(breaker.allowRequest()).toBe(false)
  })

  it('does not open when successes break the run of failures', () => {
    const { breaker } = breakerWithClock({ minimumRequests: 1_000 })
    for (let round = 0; round < 20; round += 1) {
      for (let failure = 0; failure < 4; failure += 1) breaker.recordFailure()
      breaker.recordSuccess()
    }
    expect(breaker.state).toBe('closed')
  })

  it('opens when the error rate over the window reaches the threshold, once enough calls were seen', () => {
    const { breaker } = breakerWithClock()
    // Alternate so there are never 5 failures in a row: 4 failures, 4 successes.
    for (let call = 0; call < 8; call += 1) {
      if (call % 2 === 0) breaker.recordFailure()
      else breaker.recordSuccess()
    }
    expect(breaker.state).toBe('closed') // 50% of 8 calls: below minimumRequests
    breaker.recordSuccess()
    breaker.recordFailure() // 5 of 10 failed
    expect(breaker.state).toBe('open')
    expect(breaker.openReason).toBe('error-rate')
  })

  it('forgets failures that have left the rolling window', () => {
    const { breaker, clock } = breakerWithClock()
    for (let call = 0; call < 4; call += 1) {
      breaker.recordFailure()
      breaker.recordSuccess()
    }
    clock.advance(31_000)
    for (let call = 0; call < 8; call += 1) breaker.recordSuccess()
    breaker.recordFailure()
    breaker.recordSuccess()
    breaker.recordFailure()
    expect(breaker.state).toBe('closed') // 2 of 10 in the window
  })

  it('stays open, refusing every call, until the cooldown has passed', () => {
    const { breaker, clock } = breakerWithClock()
    openBreaker(breaker)
    clock.advance(14_999)
    expect(breaker.allowRequest()).toBe(false)
    expect(breaker.wouldAllowRequest()).toBe(false)
    expect(breaker.remainingCooldownMs()).toBe(1)
    expect(breaker.state).toBe('open')
    clock.advance(1)
    expect(breaker.wouldAllowRequest()).toBe(true)
    expect(breaker.allowRequest()).toBe(true)
    expect(breaker.state).toBe('half-open')
    expect(breaker.counts().refused).toBe(1)
  })

  it('lets exactly one probe through in half-open and refuses concurrent callers', () => {
    const { breaker, clock } = breakerWithClock()
    openBreaker(breaker)
    clock.advance(15_000)
    const answers = Array.from({ length: 10 }, () => breaker.allowRequest())
    expect(answers.filter(Boolean)).toHaveLength(1)
    expect(answers[0]).toBe(true)
    expect(breaker.wouldAllowRequest()).toBe(false)
  })

  it('closes with fresh counts when the probe succeeds', () => {
    const { breaker, clock } = breakerWithClock()
    openBreaker(breaker)
    clock.advance(15_000)
    expect(breaker.allowRequest()).toBe(true)
    breaker.recordSuccess()
    expect(breaker.state).toBe('closed')
    expect(breaker.openReason).toBeUndefined()
    expect(breaker.allowRequest()).toBe(true)
    // The failures from before are gone: it takes a full new run to open again.
    for (let failure = 0; failure < 4; failure += 1) breaker.recordFailure()
    expect(breaker.state).toBe('closed')
    expect(breaker.counts()).toEqual({ opened: 1, halfOpened: 1, closed: 1, refused: 0 })
  })

  it('reopens for another cooldown when the probe fails', () => {
    const { breaker, clock } = breakerWithClock()
    openBreaker(breaker)
    clock.advance(15_000)
    expect(breaker.allowRequest()).toBe(true)
    breaker.recordFailure()
    expect(breaker.state).toBe('open')
    expect(breaker.openReason).toBe('probe-failed')
    expect(breaker.remainingCooldownMs()).toBe(15_000)
    clock.advance(10_000)
    expect(breaker.allowRequest()).toBe(false)
    clock.advance(5_000)
    expect(breaker.allowRequest()).toBe(true)
    expect(breaker.counts()).toMatchObject({ opened: 2, halfOpened: 2, closed: 0 })
  })

  it('frees the probe slot when the probe ends with an outcome that says nothing about health', () => {
    const { breaker, clock } = breakerWithClock()
    openBreaker(breaker)
    clock.advance(15_000)
    expect(breaker.allowRequest()).toBe(true)
    breaker.recordNeutral()
    expect(breaker.state).toBe('half-open')
    expect(breaker.allowRequest()).toBe(true)
    expect(breaker.allowRequest()).toBe(false)
  })

  it('presumes a probe lost after probeTimeoutMs and lets the next caller probe', () => {
    const { breaker, clock } = breakerWithClock({ probeTimeoutMs: 60_000 })
    openBreaker(breaker)
    clock.advance(15_000)
    expect(breaker.allowRequest()).toBe(true)
    clock.advance(59_999)
    expect(breaker.allowRequest()).toBe(false)
    clock.advance(1)
    expect(breaker.allowRequest()).toBe(true)
  })

  it('ignores outcomes of calls started before it opened', () => {
    const { breaker } = breakerWithClock()
    openBreaker(breaker)
    breaker.recordSuccess()
    expect(breaker.state).toBe('open')
  })
})

describe('countsAsBreakerFailure', () => {
  const error = (code: ProviderErrorCode, status?: number) =>
    new ProviderError({ code, status, message: 'failed', provider: 'openai', model: 'gpt-4.1' })

  it('counts server errors, rate limits, overload, timeouts, network faults and cut streams', () => {
    for (const [code, status] of [
      ['server_error', 500],
      ['overloaded', 503],
      ['rate_limit', 429],
      ['timeout', 408],
      ['network', undefined],
      ['stream_cut', undefined],
    ] as const) {
      expect(countsAsBreakerFailure(error(code, status)), code).toBe(true)
    }
  })

  it('does not count errors caused by the request or the caller', () => {
    for (const code of ['bad_request', 'context_length_exceeded', 'content_filter', 'aborted'] as const) {
      expect(countsAsBreakerFailure(error(code, 400)), code).toBe(false)
    }
  })

  it("counts the router's own attempt timeout but not unrelated bugs", () => {
    expect(countsAsBreakerFailure(new DOMException('timed out', 'TimeoutError'))).toBe(true)
    expect(countsAsBreakerFailure(new TypeError('undefined is not a function'))).toBe(false)
    expect(countsAsBreakerFailure('a string')).toBe(false)
  })
})
