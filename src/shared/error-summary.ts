import { escapeControlCharacters } from './escape-control-characters.js'

/** Enough of a ClickHouse message to tell the failure (`Unknown table expression identifier 'llm_calls'`). */
const maxMessageLength = 300

/** Longer quoted text in a message is a value (a parameter, a cell), not a name. */
const longQuoted = /'[^'\n]{41,}'|"[^"\n]{41,}"/g

/** What stands in for a removed credential or secret. */
const redacted = '[REDACTED]'

/** Shorter "secrets" would blank out ordinary words of the message. */
const minSecretLength = 4

export interface ErrorSummaryOptions {
  /** Text that must not reach the log even when the error quotes it: the collector's token, the store's password. Undefined entries are skipped. */
  readonly secrets?: readonly (string | undefined)[]
}

/**
 * One log line's worth of why something failed, such as a store query or a ping: the
 * error's kind (ClickHouse's `type` and `code` when it has them) and the first line of
 * its message, for the operator's log only; HTTP answers say what failed and nothing
 * of this. ClickHouse messages quote what they were working on: the analyzer repeats
 * the whole statement with its bound values substituted after " in scope ", parse
 * errors quote the text they stopped at, and store and HTTP errors quote the URL they
 * were talking to. So the message ends before " in scope ", quoted runs over 40
 * characters are replaced by their length, URL credentials (`scheme://user:pass@`),
 * bearer tokens and the given secrets become `[REDACTED]`, the rest is cut at 300
 * characters and its control characters escaped.
 */
export function errorSummary(error: unknown, options: ErrorSummaryOptions = {}): string {
  const details = typeof error === 'object' && error !== null ? (error as { name?: unknown; code?: unknown; type?: unknown }) : {}
  const kind = typeof details.type === 'string' && details.type !== '' ? details.type : typeof details.name === 'string' ? details.name : typeof error
  const code = typeof details.code === 'string' || typeof details.code === 'number' ? ` (code ${String(details.code).slice(0, 32)})` : ''
  const message = error instanceof Error ? error.message : String(error)
  // Bounded before any regular expression runs over it.
  let text = (message.trimStart().split('\n', 1)[0] ?? '').slice(0, 4 * maxMessageLength)
  const scope = text.indexOf(' in scope ')
  if (scope >= 0) text = `${text.slice(0, scope)} (statement left out)`
  // Secrets go first and whole: the cut below could otherwise keep the start of one.
  let line = `${kind.slice(0, 64)}${code}: ${text}`
  for (const secret of options.secrets ?? []) {
    if (secret !== undefined && secret.length >= minSecretLength) line = line.split(secret).join(redacted)
  }
  line = line
    .replace(longQuoted, (quoted) => `${quoted[0]}<${quoted.length - 2} characters>${quoted[0]}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, `$1${redacted}@`)
    .replace(/\b(bearer\s+)[^\s,;"']+/gi, `$1${redacted}`)
  const cut = line.length > maxMessageLength ? `${line.slice(0, maxMessageLength)}...` : line
  return escapeControlCharacters(cut)
}
