/** One calendar day or month in a time zone, as the instants where it starts and ends. */
export interface CalendarPeriod {
  startMs: number
  /** The first instant of the next period. */
  endMs: number
}

const minuteMs = 60_000
const dayMs = 86_400_000
/** Time zones run from UTC-12 to UTC+14; a local midnight lies within this distance of the UTC one. */
const widestOffsetMs = 15 * 3_600_000

const formatters = new Map<string, Intl.DateTimeFormat>()
const maxFormatters = 256

/**
 * The calendar day or month of `atMs` in `timeZone`. A period starts at the first
 * instant whose local date is its first day, so a day that loses an hour to daylight
 * saving (23 hours) or gains one (25 hours) ends exactly where the next local day
 * begins: a budget resets at the local midnight, never an hour early or late.
 * Resolution is one minute, as for every real time zone offset since 1970.
 */
export function calendarPeriod(options: { calendar: 'day' | 'month'; timeZone: string; atMs: number }): CalendarPeriod {
  const { calendar, timeZone, atMs } = options
  const today = localDay(timeZone, atMs)
  const date = new Date(today * dayMs)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const [first, next] = calendar === 'day'
    ? [today, today + 1]
    : [Date.UTC(year, month, 1) / dayMs, Date.UTC(year, month + 1, 1) / dayMs]
  return { startMs: startOfLocalDay(timeZone, first), endMs: startOfLocalDay(timeZone, next) }
}

/** The first minute whose local date is `day` (days since 1970-01-01), by bisection over the possible offsets. */
function startOfLocalDay(timeZone: string, day: number): number {
  let before = day * dayMs - widestOffsetMs
  let after = day * dayMs + widestOffsetMs
  while (after - before > minuteMs) {
    const middle = before + Math.floor((after - before) / 2 / minuteMs) * minuteMs
    if (localDay(timeZone, middle) >= day) after = middle
    else before = middle
  }
  return after
}

/** The local date of an instant in a time zone, as whole days since 1970-01-01. */
function localDay(timeZone: string, atMs: number): number {
  const parts = formatter(timeZone).formatToParts(atMs)
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((item) => item.type === type)?.value)
  return Date.UTC(part('year'), part('month') - 1, part('day')) / dayMs
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone)
  if (cached === undefined) {
    // Budgets name few zones; the bound only guards against a caller looping over many.
    if (formatters.size >= maxFormatters) formatters.clear()
    cached = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' })
    formatters.set(timeZone, cached)
  }
  return cached
}
