import { z } from 'zod'
import type { Store } from '../store/create-store.js'
import { formatUsd } from '../pricing/format-usd.js'
import { budgetMatchSchema, budgetWindowSchema, calendarWindowSchema, type BudgetWindow } from './budget-config.js'
import { readStoreSpend } from './store-spend-source.js'
import { WindowTracker } from './window-span.js'

/** The most span ids one request may ask about. */
export const maxSpendRequestSpanIds = 10_000

/** The body of a 200 answer of `/v1/spend`: every amount an exact decimal string of USD. */
export interface SpendResponseBody {
  /** The window asked for, or null when the request gave `from`. */
  window: BudgetWindow | null
  from: string
  /** The end of a calendar window (its next boundary), else null. */
  to: string | null
  spentUsd: string
  buckets: { start: string; seconds: number; costUsd: string }[]
  seenSpanIds: string[]
}

export type SpendResponse =
  | { status: 200; body: SpendResponseBody }
  | { status: 400 | 503; body: { error: string } }

export interface HandleSpendRequestOptions {
  store: Store
  searchParams: URLSearchParams
  now?: () => number
}

const matchKeys = ['workflow', 'step', 'provider', 'model']
const otherKeys = ['window', 'timeZone', 'from', 'recentFrom', 'spanIds']
const spanIdPattern = /^[0-9a-f]{16}$/
const instantSchema = z.iso.datetime({ offset: true })

/**
 * `GET /v1/spend` (or `POST` with the same parameters as a form body): the spend of one scope in one window, for routers whose store is
 * embedded in the collector. Parameters: the match (`workflow`, `step`, `provider`,
 * `model`, `tag.<key>`, with `*` wildcards), then either `window` (`15m` ... `30d`, or
 * `day` / `month` with an optional `timeZone`) or `from` (an ISO 8601 instant); for
 * routers, `recentFrom` and `spanIds` (comma-separated) as in SpendQuery. Every
 * problem is a 400 that names the parameter; a store that fails is a 503. The
 * collector mounts this; it does not read the request itself, so it is easy to test.
 */
export async function handleSpendRequest(options: HandleSpendRequestOptions): Promise<SpendResponse> {
  const nowMs = (options.now ?? Date.now)()
  const parsed = parseSpendParams(options.searchParams, nowMs)
  if ('error' in parsed) return { status: 400, body: { error: parsed.error } }
  let snapshot
  try {
    snapshot = await readStoreSpend({ store: options.store, query: parsed.query })
  } catch (error) {
    return { status: 503, body: { error: `the store cannot answer: ${error instanceof Error ? error.message : String(error)}` } }
  }
  const total = snapshot.buckets.reduce((sum, bucket) => sum + bucket.units, 0n)
  return {
    status: 200,
    body: {
      window: parsed.window ?? null,
      from: new Date(parsed.query.fromMs).toISOString(),
      to: parsed.toMs === undefined ? null : new Date(parsed.toMs).toISOString(),
      spentUsd: formatUsd(total),
      buckets: snapshot.buckets.map((bucket) => ({
        start: new Date(bucket.startMs).toISOString(),
        seconds: bucket.durationMs / 1000,
        costUsd: formatUsd(bucket.units),
      })),
      seenSpanIds: snapshot.seenSpanIds,
    },
  }
}

type ParsedParams =
  | { query: { match: Record<string, string>; fromMs: number; recentFromMs: number; spanIds: string[] }; window?: BudgetWindow; toMs?: number }
  | { error: string }

function parseSpendParams(searchParams: URLSearchParams, nowMs: number): ParsedParams {
  const single: Record<string, string> = {}
  for (const key of new Set(searchParams.keys())) {
    const values = searchParams.getAll(key)
    if (values.length > 1) return { error: `parameter ${key} is given ${values.length} times; give it once` }
    if (!matchKeys.includes(key) && !otherKeys.includes(key) && !key.startsWith('tag.')) {
      return { error: `unknown parameter ${JSON.stringify(key)}; use workflow, step, provider, model, tag.<key>, window, timeZone, from, recentFrom or spanIds` }
    }
    single[key] = values[0] ?? ''
  }
  const matchInput = Object.fromEntries(Object.entries(single).filter(([key]) => matchKeys.includes(key) || key.startsWith('tag.')))
  const match = budgetMatchSchema.safeParse(matchInput)
  if (!match.success) return { error: `bad match: ${describe(match.error)}` }

  if ((single.window === undefined) === (single.from === undefined)) return { error: 'give either window (15m, 1h, 24h, 7d, 30d, day, month) or from (an ISO 8601 instant), not both or neither' }
  let fromMs: number
  let window: BudgetWindow | undefined
  let toMs: number | undefined
  if (single.window !== undefined) {
    const calendar = single.window === 'day' || single.window === 'month'
    if (!calendar && single.timeZone !== undefined) return { error: 'timeZone applies only to the calendar windows day and month' }
    const parsedWindow = calendar
      ? calendarWindowSchema.safeParse({ calendar: single.window, timeZone: single.timeZone ?? 'UTC' })
      : budgetWindowSchema.safeParse(single.window)
    if (!parsedWindow.success) return { error: `bad window: ${describe(parsedWindow.error)}` }
    window = parsedWindow.data
    const span = new WindowTracker(window).span(nowMs)
    fromMs = span.startMs
    toMs = span.endMs
  } else {
    if (single.timeZone !== undefined) return { error: 'timeZone applies only with window=day or window=month' }
    const from = instant(single.from ?? '', 'from')
    if (typeof from === 'string') return { error: from }
    fromMs = from.ms
  }
  fromMs = Math.floor(fromMs / 60_000) * 60_000

  let recentFromMs = Math.max(fromMs, Math.floor(nowMs / 3_600_000) * 3_600_000 - 3_600_000)
  if (single.recentFrom !== undefined) {
    const recentFrom = instant(single.recentFrom, 'recentFrom')
    if (typeof recentFrom === 'string') return { error: recentFrom }
    if (recentFrom.ms < fromMs) return { error: 'recentFrom must not be before the start of the window' }
    recentFromMs = Math.floor(recentFrom.ms / 60_000) * 60_000
  }

  const spanIds = single.spanIds === undefined || single.spanIds === '' ? [] : single.spanIds.split(',')
  if (spanIds.length > maxSpendRequestSpanIds) return { error: `spanIds lists ${spanIds.length} ids; at most ${maxSpendRequestSpanIds} per request` }
  const badId = spanIds.find((id) => !spanIdPattern.test(id))
  if (badId !== undefined) return { error: `spanIds: ${JSON.stringify(badId.slice(0, 40))} is not a span id (16 lowercase hex digits)` }
  return { query: { match: match.data, fromMs, recentFromMs, spanIds }, window, toMs }
}

function instant(text: string, name: string): { ms: number } | string {
  const parsed = instantSchema.safeParse(text)
  const ms = parsed.success ? Date.parse(text) : Number.NaN
  if (!Number.isFinite(ms)) return `${name} must be an ISO 8601 instant such as 2026-03-10T09:00:00Z (got ${JSON.stringify(text.slice(0, 40))})`
  return { ms }
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => {
    const inner = issue.code === 'invalid_key' ? issue.issues.map((nested) => nested.message).join('; ') : issue.message
    return issue.path.length === 0 ? inner : `${issue.path.join('.')}: ${inner}`
  }).join('; ')
}
