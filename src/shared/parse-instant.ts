/** The years an instant may fall in, inclusive. */
export const instantYears = { first: 2000, last: 2099 } as const

/** The longest instant text: `2026-03-10T09:00:00.123456789+05:30` is 35 characters. */
const maxInstantLength = 40

const instantPattern = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/

export type ParsedInstant = { ms: number } | { problem: string }

export interface ParseInstantOptions {
  /** Also take a bare date (`2025-01-31`, midnight UTC), as the report's options do. */
  allowDate?: boolean
}

/**
 * Reads an ISO 8601 instant strictly: `2026-03-10T09:00:00Z`, with optional
 * fraction (up to nanoseconds, kept to the millisecond) and a `Z` or `+hh:mm`
 * offset; seconds may be left out. `Date.parse` takes far more (`2024`, `-1`,
 * ` 2024-01-01`, `2024-02-31` as March 2): a window read from such text is not the
 * one its sender meant, so anything else is a problem, never a guess. Days must
 * exist in their month; leap seconds are refused. Years are 2000 to 2099: no model
 * call predates them, and the store's `DateTime` (seconds in a UInt32) ends in 2106.
 * A problem reads after the parameter's name: "must be ...".
 */
export function parseInstant(text: string, options: ParseInstantOptions = {}): ParsedInstant {
  const example = options.allowDate ? '2026-03-10T09:00:00Z or 2026-03-10' : '2026-03-10T09:00:00Z'
  const match = text.length > maxInstantLength ? null : instantPattern.exec(text)
  if (match === null || (match[4] === undefined && !options.allowDate)) {
    return { problem: `must be an ISO 8601 instant such as ${example}` }
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fractionText, offsetText] = match
  const year = Number(yearText)
  const month = Number(monthText)
  const day = Number(dayText)
  if (year < instantYears.first || year > instantYears.last) {
    return { problem: `must be in the years ${instantYears.first} to ${instantYears.last}` }
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { problem: `must name a day of the calendar (${yearText}-${monthText}-${dayText} is not one)` }
  }
  const hour = Number(hourText ?? 0)
  const minute = Number(minuteText ?? 0)
  const second = Number(secondText ?? 0)
  if (hour > 23 || minute > 59 || second > 59) return { problem: 'must have a time of day from 00:00:00 to 23:59:59' }
  const millisecond = Number((fractionText ?? '').padEnd(3, '0').slice(0, 3))
  let offsetMinutes = 0
  if (offsetText !== undefined && offsetText !== 'Z') {
    const offsetHours = Number(offsetText.slice(1, 3))
    const offsetRest = Number(offsetText.slice(4, 6))
    if (offsetHours > 23 || offsetRest > 59) return { problem: `must have an offset from -23:59 to +23:59 (got ${offsetText})` }
    offsetMinutes = (offsetText.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest)
  }
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - offsetMinutes * 60_000 }
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}
