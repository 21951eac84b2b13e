import { describe, expect, it } from 'vitest'
import { LatencyTracker } from '../../src/router/latency-tracker.js'
import { SampleWindow } from '../../src/router/sample-window.js'
import { manualClock } from './manual-clock.js'

describe('LatencyTracker', () => {
  it('reports nearest-rank p50 and p95 over the recorded latencies', () => {
    const clock = manualClock()
    const tracker = new LatencyTracker({ now: clock.now })
    // Shuffled order: percentiles must not depend on arrival order.
    for (let value = 1; value <= 100; value += 1) tracker.recordLatency((value * 37) % 100 || 100)
    const { latency, timeToFirstToken } = tracker.snapshot()
    expect(latency).toMatchObject({ samples: 100, p50Ms: 50, p95Ms: 95 })
    expect(timeToFirstToken).toBeUndefined()
  })

  it('keeps latency and time to first token apart', () => {
    const clock = manualClock()
    const tracker = new LatencyTracker({ now: clock.now })
    tracker.recordLatency(2_000)
    tracker.recordTimeToFirstToken(300)
    const snapshot = tracker.snapshot()
    expect(snapshot.latency?.averageMs).toBe(2_000)
    expect(snapshot.timeToFirstToken?.averageMs).toBe(300)
  })

  it('holds a fixed number of samples, the newest ones', () => {
    const clock = manualClock()
    const tracker = new LatencyTracker({ capacity: 256, now: clock.now })
    for (let sample = 0; sample < 1_000; sample += 1) tracker.recordLatency(sample < 744 ? 10_000 : 100)
    expect(tracker.snapshot().latency).toMatchObject({ samples: 256, p50Ms: 100, p95Ms: 100 })
  })

  it('ignores samples older than the window', () => {
    const clock = manualClock()
    const tracker = new LatencyTracker({ windowMs: 60_000, now: clock.now })
    for (let sample = 0; sample < 50; sample += 1) tracker.recordLatency(5_000)
    clock.advance(30_000)
    for (let sample = 0; sample < 10; sample += 1) tracker.recordLatency(200)
    expect(tracker.snapshot().latency?.samples).toBe(60)
    clock.advance(30_001)
    expect(tracker.snapshot().latency).toMatchObject({ samples: 10, p50Ms: 200, p95Ms: 200 })
    clock.advance(30_000)
    expect(tracker.snapshot().latency).toBeUndefined()
  })

  it('moves its average toward a change within a few samples and restarts it after a quiet spell', () => {
    const clock = manualClock()
    const tracker = new LatencyTracker({ windowMs: 60_000, smoothing: 0.2, now: clock.now })
    for (let sample = 0; sample < 20; sample += 1) tracker.recordLatency(100)
    for (let sample = 0; sample < 10; sample += 1) tracker.recordLatency(1_100)
    const average = tracker.snapshot().latency?.averageMs ?? 0
    // 1100 - 1000 × 0.8^10 ≈ 993
    expect(average).toBeCloseTo(1_100 - 1_000 * 0.8 ** 10, 6)
    clock.advance(120_000)
    tracker.recordLatency(400)
    expect(tracker.snapshot().latency?.averageMs).toBe(400)
  })
})

describe('SampleWindow', () => {
  it('drops unreadable durations and counts them', () => {
    const clock = manualClock()
    const window = new SampleWindow({ windowMs: 1_000, now: clock.now })
    window.record(Number.NaN)
    window.record(-5)
    window.record(Number.POSITIVE_INFINITY)
    window.record(10)
    expect(window.ignored).toBe(3)
    expect(window.stats()).toMatchObject({ samples: 1, averageMs: 10 })
  })

  it('refuses an unbounded capacity', () => {
    expect(() => new SampleWindow({ capacity: 10_000_000, windowMs: 1_000, now: () => 0 })).toThrow(RangeError)
  })
})
