/** What stands in for a removed secret. */
const redacted = '[REDACTED]'

/** A log line stays readable, and an error that quotes a whole row or statement does not reach the log whole. */
const maxLength = 1_000

/**
 * Text for the collector's diagnostics log: URL credentials (`scheme://user:pass@`),
 * bearer tokens and the given secrets (the collector's token, the store's password)
 * removed, control characters escaped, cut at 1,000 characters. Store and HTTP
 * errors can quote the URL they were talking to; the operator needs the rest of
 * the message, not those.
 */
export function redactForLog(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text.length > 4 * maxLength ? text.slice(0, 4 * maxLength) : text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) result = result.split(secret).join(redacted)
  }
  result = result
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, `$1${redacted}@`)
    .replace(/\b(bearer\s+)[^\s,;"']+/gi, `$1${redacted}`)
    // Control characters are what this matches: a message's ESC sequences must not reach the terminal.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return result.length > maxLength ? `${result.slice(0, maxLength)}...` : result
}
