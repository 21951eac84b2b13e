import type { z } from 'zod'
import { parseInstant } from '../shared/parse-instant.js'
import { quoteInput } from '../shared/quote-input.js'
import { budgetMatchSchema, budgetWindowSchema, calendarWindowSchema, maxMatchTagKeys, type BudgetMatch, type BudgetWindow } from './budget-config.js'
import { WindowTracker } from './window-span.js'

/** The most span ids one request may ask about. */
export const maxSpendRequestSpanIds = 10_000

const matchKeys = new Set(['workflow', 'step', 'provider', 'model'])
const otherKeys = new Set(['window', 'timeZone', 'from', 'recentFrom', 'spanIds'])

/** `tag.` and a key as long as budgetMatchSchema allows. */
const maxTagParameterLength = 'tag.'.length + 128
/** As budgetMatchSchema allows a pattern. */
const maxMatchValueLength = 256
/** 10,000 ids of 16 hex digits and the commas between them. */
const maxSpanIdsLength = maxSpendRequestSpanIds * 17 - 1

const maxValueLengths: Readonly<Record<string, number>> = {
  window: 16,
  timeZone: 64,
  from: 40,
  recentFrom: 40,
  spanIds: maxSpanIdsLength,
}

const spanIdPattern = /^[0-9a-f]{16}$/
/** IANA names (`America/Argentina/Buenos_Aires`, `Etc/GMT+5`) before Intl is asked about them. */
const timeZoneNamePattern = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/

export interface SpendRequestParams {
  query: { match: BudgetMatch; fromMs: number; recentFromMs: number; spanIds: string[] }
  /** The window asked for; absent when the request gave `from`. */
  window?: BudgetWindow
  /** The end of a calendar window. */
  toMs?: number
}

/**
 * Checks the parameters of `/v1/spend` in one pass over them, so the work is linear
 * in the request whatever it holds: each parameter is looked at once, the first
 * unknown, repeated or oversized one ends the pass with its problem, and the count of
 * tag conditions is checked as they come (a form of 100,000 `tag.*` keys stops at the
 * seventeenth). Every problem names its parameter; `error` is the whole message.
 */
export function parseSpendRequestParams(searchParams: URLSearchParams, nowMs: number): SpendRequestParams | { error: string } {
  const single = new Map<string, string>()
  let tagKeys = 0
  for (const [key, value] of searchParams) {
    const isTag = key.startsWith('tag.')
    if (!isTag && !matchKeys.has(key) && !otherKeys.has(key)) {
      return { error: `unknown parameter ${quoteInput(key)}; use workflow, step, provider, model, tag.<key>, window, timeZone, from, recentFrom or spanIds` }
    }
    if (isTag && key.length > maxTagParameterLength) {
      return { error: `parameter ${quoteInput(key)} is ${key.length} characters long; a tag.<key> parameter is at most ${maxTagParameterLength}` }
    }
    if (single.has(key)) return { error: `parameter ${quoteInput(key)} is given more than once; give it once` }
    if (isTag && ++tagKeys > maxMatchTagKeys) {
      return { error: `parameter ${quoteInput(key)} is a tag condition past the ${maxMatchTagKeys} one request may carry; match on at most ${maxMatchTagKeys} tag.<key> parameters` }
    }
    const maxLength = isTag || matchKeys.has(key) ? maxMatchValueLength : maxValueLengths[key] ?? maxMatchValueLength
    if (value.length > maxLength) {
      return key === 'spanIds'
        ? { error: `spanIds is ${value.length} characters long: more than ${maxSpendRequestSpanIds} span ids; at most ${maxSpendRequestSpanIds} per request` }
        : { error: `parameter ${quoteInput(key)} is ${value.length} characters long; at most ${maxLength}` }
    }
    single.set(key, value)
  }

  const matchInput: Record<string, string> = {}
  for (const [key, value] of single) if (matchKeys.has(key) || key.startsWith('tag.')) matchInput[key] = value
  const match = budgetMatchSchema.safeParse(matchInput)
  if (!match.success) return { error: `bad match: ${describe(match.error)}` }

  const windowText = single.get('window')
  const fromText = single.get('from')
  const timeZone = single.get('timeZone')
  if ((windowText === undefined) === (fromText === undefined)) {
    return { error: 'give either window (15m, 1h, 24h, 7d, 30d, day, month) or from (an ISO 8601 instant), not both or neither' }
  }
  let fromMs: number
  let window: BudgetWindow | undefined
  let toMs: number | undefined
  if (windowText !== undefined) {
    const calendar = windowText === 'day' || windowText === 'month'
    if (!calendar && timeZone !== undefined) return { error: 'timeZone applies only to the calendar windows day and month' }
    if (timeZone !== undefined && !timeZoneNamePattern.test(timeZone)) {
      return { error: `bad window: timeZone must be an IANA time zone such as "UTC", "America/New_York" or "Asia/Kolkata" (got ${quoteInput(timeZone)})` }
    }
    const parsedWindow = calendar
      ? calendarWindowSchema.safeParse({ calendar: windowText, timeZone: timeZone ?? 'UTC' })
      : budgetWindowSchema.safeParse(windowText)
    if (!parsedWindow.success) return { error: `bad window: ${describe(parsedWindow.error)}` }
    window = parsedWindow.data
    const span = new WindowTracker(window).span(nowMs)
    fromMs = span.startMs
    toMs = span.endMs
  } else {
    if (timeZone !== undefined) return { error: 'timeZone applies only with window=day or window=month' }
    const from = instant(fromText ?? '', 'from')
    if (typeof from === 'string') return { error: from }
    fromMs = from
  }
  fromMs = Math.floor(fromMs / 60_000) * 60_000

  let recentFromMs = Math.max(fromMs, Math.floor(nowMs / 3_600_000) * 3_600_000 - 3_600_000)
  const recentFromText = single.get('recentFrom')
  if (recentFromText !== undefined) {
    const recentFrom = instant(recentFromText, 'recentFrom')
    if (typeof recentFrom === 'string') return { error: recentFrom }
    if (recentFrom < fromMs) return { error: 'recentFrom must not be before the start of the window' }
    recentFromMs = Math.floor(recentFrom / 60_000) * 60_000
  }

  const spanIdsText = single.get('spanIds') ?? ''
  const spanIds = spanIdsText === '' ? [] : spanIdsText.split(',')
  if (spanIds.length > maxSpendRequestSpanIds) return { error: `spanIds lists ${spanIds.length} ids; at most ${maxSpendRequestSpanIds} per request` }
  const badId = spanIds.find((id) => !spanIdPattern.test(id))
  if (badId !== undefined) return { error: `spanIds: ${quoteInput(badId)} is not a span id (16 lowercase hex digits)` }
  return { query: { match: match.data, fromMs, recentFromMs, spanIds }, window, toMs }
}

function instant(text: string, name: string): number | string {
  const parsed = parseInstant(text)
  return 'ms' in parsed ? parsed.ms : `${name} ${parsed.problem} (got ${quoteInput(text)})`
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => {
    const inner = issue.code === 'invalid_key' ? issue.issues.map((nested) => nested.message).join('; ') : issue.message
    return issue.path.length === 0 ? inner : `${issue.path.join('.')}: ${inner}`
  }).join('; ')
}
