import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../../src/router/circuit-breaker.js'
import type { LatencySnapshot } from '../../src/router/latency-tracker.js'
import type { RouteStrategy, RouteTarget } from '../../src/router/router-config.js'
import { selectTargets, type SelectTargetsOptions } from '../../src/router/select-targets.js'
import { targetKey } from '../../src/router/target-key.js'
import { manualClock } from './manual-clock.js'
import { seededRandom } from './seeded-random.js'

interface TestRequest {
  promptTokens: number
}

const primary: RouteTarget = { provider: 'primary', model: 'gpt-4.1' }
const backup: RouteTarget = { provider: 'backup', model: 'claude-sonnet-4-5' }
const local: RouteTarget = { provider: 'local', model: 'llama-3.1-8b' }

function options(
  strategy: RouteStrategy,
  targets: RouteTarget[],
  overrides: Partial<SelectTargetsOptions<TestRequest>> = {},
): SelectTargetsOptions<TestRequest> {
  return {
    route: { strategy, targets },
    request: { promptTokens: 1_000 },
    stream: false,
    breakerFor: () => undefined,
    latencyFor: () => undefined,
    fitsContext: () => ({ fits: true }),
    estimateCost: () => undefined,
    random: seededRandom(42),
    ...overrides,
  }
}

function latencies(byKey: Record<string, { latencyMs?: number; timeToFirstTokenMs?: number }>) {
  const stats = (averageMs: number | undefined) =>
    averageMs === undefined ? undefined : { samples: 10, averageMs, p50Ms: averageMs, p95Ms: averageMs }
  return (target: RouteTarget): LatencySnapshot | undefined => {
    const entry = byKey[targetKey(target)]
    if (entry === undefined) return undefined
    return { latency: stats(entry.latencyMs), timeToFirstToken: stats(entry.timeToFirstTokenMs) }
  }
}

function firstCounts(picks: number, select: () => RouteTarget[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (let pick = 0; pick < picks; pick += 1) {
    const first = select()[0]
    if (first === undefined) throw new Error('selection was empty')
    counts.set(targetKey(first), (counts.get(targetKey(first)) ?? 0) + 1)
  }
  return counts
}

describe('selectTargets', () => {
  it('keeps config order for a fallback route', () => {
    expect(selectTargets(options('fallback', [primary, backup, local]))).toEqual({
      ordered: [primary, backup, local],
      skipped: [],
    })
  })

  it('skips a target whose breaker is open, with the reason and when it will be probed', () => {
    const clock = manualClock()
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      errorRateThreshold: 0.5,
      windowMs: 30_000,
      minimumRequests: 10,
      cooldownMs: 15_000,
      now: clock.now,
    })
    breaker.recordFailure()
    clock.advance(5_000)
    const selection = selectTargets(
      options('fallback', [primary, backup], { breakerFor: (target) => (target === primary ? breaker : undefined) }),
    )
    expect(selection.ordered).toEqual([backup])
    expect(selection.skipped).toEqual([
      {
        target: primary,
        reason: 'breaker-open',
        detail: 'circuit open after consecutive failures, next probe in 10000 ms',
      },
    ])
  })

  it('offers a half-open target without taking its probe slot, and skips it while a probe is in flight', () => {
    const clock = manualClock()
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      errorRateThreshold: 0.5,
      windowMs: 30_000,
      minimumRequests: 10,
      cooldownMs: 15_000,
      now: clock.now,
    })
    breaker.recordFailure()
    clock.advance(15_000)
    const select = () =>
      selectTargets(
        options('fallback', [primary, backup], {
          breakerFor: (target) => (target === primary ? breaker : undefined),
        }),
      )
    expect(select().ordered).toEqual([primary, backup])
    expect(select().ordered).toEqual([primary, backup])
    // Selection only looked; the caller that actually calls takes the probe.
    expect(breaker.allowRequest()).toBe(true)
    expect(select().skipped).toEqual([
      { target: primary, reason: 'breaker-probe-in-flight', detail: 'circuit half-open, a probe call is in flight' },
    ])
  })

  it('skips a target whose context window the request does not fit, with the reason', () => {
    const selection = selectTargets(
      options('fallback', [local, primary], {
        request: { promptTokens: 200_000 },
        fitsContext: (target, request) =>
          target === local && request.promptTokens > 8_192
            ? { fits: false, reason: `needs ~${request.promptTokens} tokens, the model takes 8192` }
            : { fits: true },
      }),
    )
    expect(selection.ordered).toEqual([primary])
    expect(selection.skipped).toEqual([
      { target: local, reason: 'context-too-small', detail: 'needs ~200000 tokens, the model takes 8192' },
    ])
  })

  it('gives a default reason when the context check does not say why', () => {
    const selection = selectTargets(options('fallback', [local], { fitsContext: () => ({ fits: false }) }))
    expect(selection.ordered).toEqual([])
    expect(selection.skipped[0]?.detail).toBe('the request does not fit the context window of llama-3.1-8b')
  })

  describe('weighted', () => {
    const heavy: RouteTarget = { ...primary, weight: 70 }
    const light: RouteTarget = { ...backup, weight: 30 }

    it('puts each target first in proportion to its weight over 10,000 seeded picks (70/30 ± 3%)', () => {
      const random = seededRandom(2024)
      const counts = firstCounts(10_000, () => selectTargets(options('weighted', [heavy, light], { random })).ordered)
      expect(Math.abs((counts.get(targetKey(heavy)) ?? 0) / 10_000 - 0.7)).toBeLessThan(0.03)
      expect(Math.abs((counts.get(targetKey(light)) ?? 0) / 10_000 - 0.3)).toBeLessThan(0.03)
    })

    it('follows the first pick with the rest by descending weight, each target once', () => {
      const third: RouteTarget = { ...local, weight: 50 }
      const random = seededRandom(5)
      for (let pick = 0; pick < 200; pick += 1) {
        const [first, ...rest] = selectTargets(options('weighted', [light, third, heavy], { random })).ordered
        expect(rest).toHaveLength(2)
        expect(new Set([first, ...rest]).size).toBe(3)
        expect((rest[0]?.weight ?? 0) >= (rest[1]?.weight ?? 0)).toBe(true)
      }
    })

    it('never puts a zero-weight target first, but keeps it as a last resort', () => {
      const drained: RouteTarget = { ...local, weight: 0 }
      const random = seededRandom(9)
      const counts = firstCounts(
        2_000,
        () => selectTargets(options('weighted', [drained, heavy, light], { random })).ordered,
      )
      expect(counts.get(targetKey(drained))).toBeUndefined()
      expect(selectTargets(options('weighted', [drained, heavy], { random })).ordered.at(-1)).toEqual(drained)
    })

    it('redistributes the weight of a skipped target among the others', () => {
      const random = seededRandom(13)
      const third: RouteTarget = { ...local, weight: 30 }
      const counts = firstCounts(4_000, () =>
        selectTargets(
          options('weighted', [heavy, light, third], { random, fitsContext: (target) => ({ fits: target !== heavy }) }),
        ).ordered,
      )
      expect(Math.abs((counts.get(targetKey(light)) ?? 0) / 4_000 - 0.5)).toBeLessThan(0.03)
    })
  })

  describe('latency', () => {
    const measured = latencies({
      [targetKey(primary)]: { latencyMs: 900, timeToFirstTokenMs: 400 },
      [targetKey(backup)]: { latencyMs: 300, timeToFirstTokenMs: 700 },
      [targetKey(local)]: { latencyMs: 600, timeToFirstTokenMs: 100 },
    })

    it('prefers the fastest target but still probes the others in a small share of picks', () => {
      const random = seededRandom(77)
      const counts = firstCounts(5_000, () =>
        selectTargets(options('latency', [primary, backup, local], { random, latencyFor: measured })).ordered,
      )
      const fastestShare = (counts.get(targetKey(backup)) ?? 0) / 5_000
      expect(fastestShare).toBeGreaterThan(0.93)
      expect(fastestShare).toBeLessThan(0.97)
      expect(counts.get(targetKey(primary)) ?? 0).toBeGreaterThan(50)
      expect(counts.get(targetKey(local)) ?? 0).toBeGreaterThan(50)
    })

    it('orders the non-probe picks from fastest to slowest', () => {
      const ordered = selectTargets(
        options('latency', [primary, backup, local], { random: () => 0.99, latencyFor: measured }),
      ).ordered
      expect(ordered).toEqual([backup, local, primary])
    })

    it('ranks streams by time to first token', () => {
      const ordered = selectTargets(
        options('latency', [primary, backup, local], { random: () => 0.99, latencyFor: measured, stream: true }),
      ).ordered
      expect(ordered).toEqual([local, primary, backup])
    })

    it('spends its probes on targets that have no samples yet', () => {
      const partlyMeasured = latencies({
        [targetKey(primary)]: { latencyMs: 100 },
        [targetKey(backup)]: { latencyMs: 900 },
      })
      const random = seededRandom(31)
      const counts = firstCounts(4_000, () =>
        selectTargets(
          options('latency', [primary, backup, local], { random, latencyFor: partlyMeasured, probeShare: 0.1 }),
        ).ordered,
      )
      expect(counts.get(targetKey(backup))).toBeUndefined()
      expect(Math.abs((counts.get(targetKey(local)) ?? 0) / 4_000 - 0.1)).toBeLessThan(0.02)
    })

    it('keeps config order while nothing is measured, apart from probes', () => {
      const ordered = selectTargets(options('latency', [primary, backup, local], { random: () => 0.99 })).ordered
      expect(ordered).toEqual([primary, backup, local])
    })
  })

  describe('cost', () => {
    it('puts the cheapest estimate first, unknown costs last, ties in config order', () => {
      const cheap: RouteTarget = { provider: 'cheap', model: 'mini' }
      const alsoCheap: RouteTarget = { provider: 'cheap', model: 'mini-2' }
      const prices = new Map<RouteTarget, bigint>([
        [primary, 2_000_000n],
        [cheap, 150_000n],
        [alsoCheap, 150_000n],
        [backup, 3_000_000n],
      ])
      const ordered = selectTargets(
        options('cost', [local, primary, cheap, backup, alsoCheap], {
          estimateCost: (target, request) =>
            prices.has(target) ? (prices.get(target) ?? 0n) * BigInt(request.promptTokens) : undefined,
        }),
      ).ordered
      expect(ordered).toEqual([cheap, alsoCheap, primary, backup, local])
    })

    it('compares costs exactly, beyond the precision of a float', () => {
      const a: RouteTarget = { provider: 'a', model: 'm' }
      const b: RouteTarget = { provider: 'b', model: 'm' }
      const ordered = selectTargets(
        options('cost', [a, b], {
          estimateCost: (target) => (target === a ? 9_007_199_254_740_993n : 9_007_199_254_740_992n),
        }),
      ).ordered
      expect(ordered).toEqual([b, a])
    })
  })
})
