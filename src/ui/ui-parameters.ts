import { quoteInput } from '../shared/quote-input.js'
import { ReportRequestError } from '../report/report-request-error.js'

/** The windows the overview and the runs list offer: last hour, day and week. */
export const uiWindows = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const
export type UiWindowName = keyof typeof uiWindows

export interface UiWindow {
  name: UiWindowName
  from: Date
  to: Date
}

export type RunStatusFilter = 'ok' | 'error'

/** A checked runs-list request. */
export interface RunsFilter {
  window: UiWindow
  workflow?: string
  tag?: { key: string; value: string }
  status?: RunStatusFilter
  limit: number
}

/** Longer than any query string the pages build; a longer one is refused before it is parsed. */
export const maxQueryStringLength = 2_048
const maxNameLength = 256
const tagKeyPattern = /^[A-Za-z0-9_.:-]{1,100}$/
const maxRuns = 1_000
const defaultRuns = 200
/** Run ids are UUIDs from workflow(), or what a caller sent as x-switchyard-run-id. */
const runIdPattern = /^[\x21-\x7e]{1,200}$/

/** A value of the parameters each endpoint reads; any other parameter is refused. */
function readParameters(searchParams: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>()
  for (const [name, value] of searchParams) {
    if (!allowed.includes(name)) {
      throw new ReportRequestError(`unknown parameter ${quoteInput(name)}: this page takes ${allowed.join(', ')}`, { option: name.slice(0, 40) })
    }
    if (values.has(name)) throw new ReportRequestError(`parameter ${name} is given twice`, { option: name })
    values.set(name, value)
  }
  return values
}

/** `window=1h|24h|7d` (default 24h), ending now. */
export function parseUiWindow(text: string | undefined, now: Date = new Date()): UiWindow {
  const name = text ?? '24h'
  if (!Object.hasOwn(uiWindows, name)) {
    throw new ReportRequestError(`window must be one of ${Object.keys(uiWindows).join(', ')} (got ${quoteInput(name)})`, { option: 'window' })
  }
  const windowName = name as UiWindowName
  return { name: windowName, from: new Date(now.getTime() - uiWindows[windowName]), to: now }
}

/** The overview's parameters: only `window`. */
export function parseOverviewParameters(searchParams: URLSearchParams, now?: Date): UiWindow {
  return parseUiWindow(readParameters(searchParams, ['window']).get('window'), now)
}

/** The runs list's parameters: `window`, `workflow`, `tag` (`key=value`), `status` (`ok`/`error`), `limit` (1 to 1000). */
export function parseRunsFilter(searchParams: URLSearchParams, now?: Date): RunsFilter {
  const values = readParameters(searchParams, ['window', 'workflow', 'tag', 'status', 'limit'])
  const filter: RunsFilter = { window: parseUiWindow(values.get('window'), now), limit: parseLimit(values.get('limit')) }
  const workflow = nonEmpty(values.get('workflow'))
  if (workflow !== undefined) filter.workflow = checkName(workflow, 'workflow')
  const tag = nonEmpty(values.get('tag'))
  if (tag !== undefined) filter.tag = parseTag(tag)
  const status = nonEmpty(values.get('status'))
  if (status !== undefined) {
    if (status !== 'ok' && status !== 'error') throw new ReportRequestError(`status must be ok or error (got ${quoteInput(status)})`, { option: 'status' })
    filter.status = status
  }
  return filter
}

/** A run id from the path, decoded: printable ASCII without spaces, at most 200 characters. */
export function parseRunId(encoded: string): string {
  let runId: string
  try {
    runId = decodeURIComponent(encoded)
  } catch {
    throw new ReportRequestError('the run id in the path is not valid percent-encoding', { option: 'run' })
  }
  if (!runIdPattern.test(runId)) {
    throw new ReportRequestError(`the run id must be 1 to 200 printable characters without spaces (got ${quoteInput(runId)})`, { option: 'run' })
  }
  return runId
}

function parseTag(text: string): { key: string; value: string } {
  const equals = text.indexOf('=')
  const key = equals < 0 ? '' : text.slice(0, equals)
  if (!tagKeyPattern.test(key)) {
    throw new ReportRequestError(`tag must be key=value with a key of 1 to 100 letters, digits, '_', '.', ':' or '-' (got ${quoteInput(text)})`, { option: 'tag' })
  }
  return { key, value: checkName(text.slice(equals + 1), 'tag') }
}

function checkName(text: string, option: string): string {
  if (text.length > maxNameLength) throw new ReportRequestError(`${option} is ${text.length} characters long; at most ${maxNameLength}`, { option })
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) throw new ReportRequestError(`${option} must not hold control characters`, { option })
  return text
}

function parseLimit(text: string | undefined): number {
  if (text === undefined || text === '') return defaultRuns
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
  if (!(limit >= 1 && limit <= maxRuns)) throw new ReportRequestError(`limit must be a whole number from 1 to ${maxRuns} (got ${quoteInput(text)})`, { option: 'limit' })
  return limit
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text
}
