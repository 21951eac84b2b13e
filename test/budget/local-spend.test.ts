import { describe, expect, it } from 'vitest'
import { floorMinute, minuteMs, type LocalCall } from '../../src/budget/local-call.js'
import { LocalSpend } from '../../src/budget/local-spend.js'

const call = (units: bigint, atMs: number): LocalCall => ({ units, atMs, spanIds: [], seenSpanIds: new Set() })
const window = (windowStartMs: number) => ({ windowStartMs, floorMinute, minuteMs })

describe('LocalSpend', () => {
  it('keeps a running total, and only counts calls whose minute is still in the window', () => {
    const spend = new LocalSpend()
    spend.set(1, call(5n, 10 * minuteMs))
    spend.set(2, call(7n, 20 * minuteMs))
    spend.set(3, call(11n, 30 * minuteMs))
    expect(spend.unitsInWindow(window(0))).toBe(23n)
    expect(spend.unitsInWindow(window(15 * minuteMs))).toBe(18n)
    spend.delete(2)
    expect(spend.unitsInWindow(window(0))).toBe(16n)
    // After the oldest leaves the map, the bound is stale until a walk corrects it.
    spend.delete(1)
    expect(spend.unitsInWindow(window(25 * minuteMs))).toBe(11n)
    expect(spend.unitsInWindow(window(31 * minuteMs))).toBe(0n)
    spend.set(3, call(2n, 40 * minuteMs))
    expect(spend.unitsInWindow(window(35 * minuteMs))).toBe(2n)
    spend.clear()
    expect(spend.unitsInWindow(window(0))).toBe(0n)
  })
})
