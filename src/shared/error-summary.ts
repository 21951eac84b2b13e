import { escapeControlCharacters } from './escape-control-characters.js'

/** Enough of a ClickHouse message to tell the failure (`Unknown table expression identifier 'llm_calls'`). */
const maxMessageLength = 300

/** Longer quoted text in a message is a value (a parameter, a cell), not a name. */
const longQuoted = /'[^'\n]{41,}'|"[^"\n]{41,}"/g

/**
 * One log line's worth of why something failed, such as a store query: the error's
 * kind (ClickHouse's `type` and `code` when it has them) and the first line of its
 * message, for the operator's log only; HTTP answers say what failed and nothing of
 * this. ClickHouse messages quote what they were working on: the analyzer repeats the
 * whole statement with its bound values substituted after " in scope ", parse errors
 * quote the text they stopped at. So the message ends before " in scope ", quoted runs
 * over 40 characters are replaced by their length, URL credentials are removed, the
 * rest is cut at 300 characters and its control characters escaped.
 */
export function errorSummary(error: unknown): string {
  const details = typeof error === 'object' && error !== null ? (error as { name?: unknown; code?: unknown; type?: unknown }) : {}
  const kind = typeof details.type === 'string' && details.type !== '' ? details.type : typeof details.name === 'string' ? details.name : typeof error
  const code = typeof details.code === 'string' || typeof details.code === 'number' ? ` (code ${String(details.code).slice(0, 32)})` : ''
  const message = error instanceof Error ? error.message : String(error)
  // Bounded before any regular expression runs over it.
  let text = (message.trimStart().split('\n', 1)[0] ?? '').slice(0, 4 * maxMessageLength)
  const scope = text.indexOf(' in scope ')
  if (scope >= 0) text = `${text.slice(0, scope)} (statement left out)`
  text = text
    .replace(longQuoted, (quoted) => `${quoted[0]}<${quoted.length - 2} characters>${quoted[0]}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@')
  const cut = text.length > maxMessageLength ? `${text.slice(0, maxMessageLength)}...` : text
  return escapeControlCharacters(`${kind.slice(0, 64)}${code}: ${cut}`)
}
