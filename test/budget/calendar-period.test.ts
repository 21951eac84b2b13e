import { describe, expect, it } from 'vitest'
import { calendarPeriod } from '../../src/budget/calendar-period.js'

function period(calendar: 'day' | 'month', timeZone: string, at: string): { start: string; end: string } {
  const { startMs, endMs } = calendarPeriod({ calendar, timeZone, atMs: Date.parse(at) })
  return { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() }
}

describe('calendar periods', () => {
  it('starts a day at local midnight in the budget time zone', () => {
    expect(period('day', 'UTC', '2026-03-10T12:00:00Z')).toEqual({ start: '2026-03-10T00:00:00.000Z', end: '2026-03-11T00:00:00.000Z' })
    expect(period('day', 'Asia/Kolkata', '2026-03-10T18:29:59Z')).toEqual({ start: '2026-03-09T18:30:00.000Z', end: '2026-03-10T18:30:00.000Z' })
    expect(period('day', 'Asia/Kolkata', '2026-03-10T18:30:00Z')).toEqual({ start: '2026-03-10T18:30:00.000Z', end: '2026-03-11T18:30:00.000Z' })
    expect(period('day', 'America/New_York', '2026-03-10T03:59:00Z')).toEqual({ start: '2026-03-09T04:00:00.000Z', end: '2026-03-10T04:00:00.000Z' })
  })

  it('gives the spring-forward day 23 hours and the fall-back day 25 in New York', () => {
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT.
    const spring = period('day', 'America/New_York', '2026-03-08T12:00:00Z')
    expect(spring).toEqual({ start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' })
    // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST.
    const fall = period('day', 'America/New_York', '2026-11-01T12:00:00Z')
    expect(fall).toEqual({ start: '2026-11-01T04:00:00.000Z', end: '2026-11-02T05:00:00.000Z' })
    // The boundary after each DST day is the next local midnight: not an hour early, not skipped.
    expect(period('day', 'America/New_York', '2026-03-09T03:59:59Z').start).toBe('2026-03-08T05:00:00.000Z')
    expect(period('day', 'America/New_York', '2026-03-09T04:00:00Z').start).toBe('2026-03-09T04:00:00.000Z')
    expect(period('day', 'America/New_York', '2026-11-02T04:59:59Z').start).toBe('2026-11-01T04:00:00.000Z')
    expect(period('day', 'America/New_York', '2026-11-02T05:00:00Z').start).toBe('2026-11-02T05:00:00.000Z')
  })

  it('starts a month on its first local day, across a DST change and a year end', () => {
    expect(period('month', 'America/New_York', '2026-03-20T00:00:00Z')).toEqual({ start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' })
    expect(period('month', 'Asia/Kolkata', '2026-12-31T18:29:00Z')).toEqual({ start: '2026-11-30T18:30:00.000Z', end: '2026-12-31T18:30:00.000Z' })
    expect(period('month', 'Asia/Kolkata', '2026-12-31T18:30:00Z')).toEqual({ start: '2026-12-31T18:30:00.000Z', end: '2027-01-31T18:30:00.000Z' })
  })

  it('handles a zone whose day starts at 01:00 when midnight is skipped', () => {
    // America/Santiago skipped 2022-09-11 00:00 (to 01:00 -03): that day starts at 03:00Z.
    expect(period('day', 'America/Santiago', '2022-09-11T12:00:00Z').start).toBe('2022-09-11T04:00:00.000Z')
  })
})
