import { describe, expect, it } from 'vitest'
import { floorMinute, minuteMs, type LocalCall } from '../../src/budget/local-call.js'
import { LocalSpend } from '../../src/budget/local-spend.js'

const call = (units: bigint, atMs: number): LocalCall => ({ units, atMs, spanIds: [] })
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

  it('drops the calls that left the window, and walks them only when one may have', () => {
    const spend = new LocalSpend()
    spend.set(1, call(5n, 10 * minuteMs))
    spend.set(2, call(7n, 20 * minuteMs + 30_000))
    spend.set(3, call(11n, 30 * minuteMs))
    spend.deleteOutsideWindow(window(5 * minuteMs))
    expect(spend.size).toBe(3)
    // A call leaves with the end of its minute: 20:30 is still in a window from 21:00 minus a minute.
    spend.deleteOutsideWindow(window(21 * minuteMs - 1))
    expect([...spend.keys()]).toEqual([2, 3])
    spend.deleteOutsideWindow(window(21 * minuteMs))
    expect([...spend.keys()]).toEqual([3])
    expect(spend.unitsInWindow(window(0))).toBe(11n)
    spend.deleteOutsideWindow(window(31 * minuteMs))
    expect(spend.size).toBe(0)
    expect(spend.unitsInWindow(window(0))).toBe(0n)
  })
})

describe('LocalSpend.oldest', () => {
  it('finds the oldest call as calls come and go, also after it ran out of calls once', () => {
    const spend = new LocalSpend()
    expect(spend.oldest()).toBeUndefined()
    for (let id = 1; id <= 5; id++) spend.set(id, call(BigInt(id), id * minuteMs))
    expect(spend.oldest()?.[0]).toBe(1)
    spend.delete(1)
    spend.delete(2)
    expect(spend.oldest()?.[0]).toBe(3)
    // A call deleted from the middle is skipped when its turn comes.
    spend.delete(4)
    spend.delete(3)
    expect(spend.oldest()?.[0]).toBe(5)
    spend.set(6, call(6n, 6 * minuteMs))
    spend.delete(5)
    expect(spend.oldest()?.[0]).toBe(6)
    spend.delete(6)
    expect(spend.oldest()).toBeUndefined()
    spend.set(7, call(7n, 7 * minuteMs))
    expect(spend.oldest()?.[0]).toBe(7)
    spend.clear()
    expect(spend.oldest()).toBeUndefined()
    spend.set(8, call(8n, 8 * minuteMs))
    expect(spend.oldest()).toEqual([8, call(8n, 8 * minuteMs)])
  })

  it('stays the oldest while newer calls are added, and follows a call whose object was replaced', () => {
    const spend = new LocalSpend()
    spend.set(1, call(1n, minuteMs))
    expect(spend.oldest()?.[0]).toBe(1)
    spend.set(2, call(2n, minuteMs))
    expect(spend.oldest()?.[0]).toBe(1)
    const replaced = call(3n, minuteMs)
    spend.set(1, replaced)
    expect(spend.oldest()?.[1]).toBe(replaced)
    expect(spend.unitsInWindow(window(0))).toBe(5n)
  })
})
