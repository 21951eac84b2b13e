import { instantYears, parseInstant } from '../shared/parse-instant.js'
import { quoteInput } from '../shared/quote-input.js'
import { ReportRequestError } from './report-request-error.js'

/** The half-open time range `[from, to)` a report covers. */
export interface ReportWindow {
  from: Date
  to: Date
}

export interface ResolveReportWindowOptions {
  /** A duration back from `now`: `90s`, `30m`, `24h`, `7d`, `2w`. */
  since?: string
  /** An ISO 8601 instant or date (or a Date), in the years 2000 to 2099; `to` defaults to `now`. */
  from?: string | Date
  to?: string | Date
  now?: Date
  /** How option names are written in messages: `--` for the CLI, nothing for query parameters. */
  optionPrefix?: string
}

export const defaultReportSince = '24h'

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** The longest window a report accepts; a typo such as `24000d` is refused, not scanned. */
const maxWindowMs = 3_660 * unitMs.d!

/**
 * Turns `--since` or `--from/--to` into a window. Either form, never both; with
 * neither, the last 24 hours. Every mistake names the option and shows what works.
 */
export function resolveReportWindow(options: ResolveReportWindowOptions = {}): ReportWindow {
  const prefix = options.optionPrefix ?? '--'
  const now = options.now ?? new Date()
  if (options.since !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new ReportRequestError(`${prefix}since cannot be combined with ${prefix}from/${prefix}to: give a duration or a time range`, { option: 'since' })
  }
  if (options.from === undefined && options.to !== undefined) {
    throw new ReportRequestError(`${prefix}to needs ${prefix}from (or use ${prefix}since 24h)`, { option: 'from' })
  }
  if (options.from !== undefined) {
    const from = parseTime(options.from, `${prefix}from`, 'from')
    const to = options.to === undefined ? now : parseTime(options.to, `${prefix}to`, 'to')
    if (from.getTime() >= to.getTime()) {
      throw new ReportRequestError(`${prefix}from (${from.toISOString()}) must be before ${prefix}to (${to.toISOString()})`, { option: 'from' })
    }
    if (to.getTime() - from.getTime() > maxWindowMs) {
      throw new ReportRequestError(`the window from ${prefix}from to ${prefix}to is longer than 3660 days`, { option: 'from' })
    }
    return { from, to }
  }
  const since = options.since ?? defaultReportSince
  const durationMs = parseDuration(since, `${prefix}since`)
  return { from: new Date(now.getTime() - durationMs), to: now }
}

/**
 * `90s`, `30m`, `1.5h`, `7d`, `2w` in milliseconds: up to 7 digits, up to 3 decimals,
 * a unit, nothing around them; the whole milliseconds of it. Anything else names the option.
 */
export function parseDuration(text: string, optionLabel = '--since'): number {
  const match = /^(\d{1,7}(?:\.\d{1,3})?)(ms|s|min|m|h|d|w)$/.exec(text)
  const unit = unitMs[match?.[2] ?? '']
  const durationMs = match === null || unit === undefined ? Number.NaN : Math.round(Number(match[1]) * unit)
  if (!(durationMs >= 1)) {
    throw new ReportRequestError(`${optionLabel} must be a duration such as 30m, 24h or 7d (got ${quoteInput(text)})`, { option: 'since' })
  }
  if (durationMs > maxWindowMs) throw new ReportRequestError(`${optionLabel} is longer than 3660 days (got ${quoteInput(text)})`, { option: 'since' })
  return durationMs
}

function parseTime(value: string | Date, optionLabel: string, option: string): Date {
  if (value instanceof Date) {
    const year = value.getUTCFullYear()
    if (!(year >= instantYears.first && year <= instantYears.last)) {
      throw new ReportRequestError(`${optionLabel} must be a time in the years ${instantYears.first} to ${instantYears.last} (got ${quoteInput(String(value))})`, { option })
    }
    return value
  }
  // A bare date (`2025-01-31`) is midnight UTC, as the docs say; anything looser is refused, not guessed.
  const parsed = parseInstant(value, { allowDate: true })
  if ('problem' in parsed) throw new ReportRequestError(`${optionLabel} ${parsed.problem} (got ${quoteInput(value)})`, { option })
  return new Date(parsed.ms)
}

