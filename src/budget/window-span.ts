import type { BudgetWindow, RollingWindow } from './budget-config.js'
import { calendarPeriod, type CalendarPeriod } from './calendar-period.js'

export const rollingWindowMs: Readonly<Record<RollingWindow, number>> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
}

/** The time a window covers at one moment; `endMs` only for calendar windows, which end at a boundary. */
export interface WindowSpan {
  startMs: number
  endMs?: number
}

/** "rolling 1h", "calendar day (America/New_York)": how a window reads in messages and the CLI. */
export function describeWindow(window: BudgetWindow): string {
  return typeof window === 'string' ? `rolling ${window}` : `calendar ${window.calendar} (${window.timeZone})`
}

/**
 * Where one budget's window starts and ends as time moves. Calendar periods cost a
 * few time-zone conversions to find, and `decide` runs before every call, so the
 * current period is kept until the clock leaves it (either way).
 */
export class WindowTracker {
  readonly window: BudgetWindow
  #period: CalendarPeriod | undefined

  constructor(window: BudgetWindow) {
    this.window = window
  }

  span(nowMs: number): WindowSpan {
    const window = this.window
    if (typeof window === 'string') return { startMs: nowMs - rollingWindowMs[window] }
    if (this.#period === undefined || nowMs < this.#period.startMs || nowMs >= this.#period.endMs) {
      this.#period = calendarPeriod({ calendar: window.calendar, timeZone: window.timeZone, atMs: nowMs })
    }
    return { startMs: this.#period.startMs, endMs: this.#period.endMs }
  }

  /** How long something stays in a rolling window; undefined for calendar windows, which drop everything at once. */
  get rollingMs(): number | undefined {
    return typeof this.window === 'string' ? rollingWindowMs[this.window] : undefined
  }
}
