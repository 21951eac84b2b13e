/** What stands in for a removed secret. */
export const redacted = '[REDACTED]'

/** Shorter values are too likely to occur by chance in ordinary text to be scrubbed. */
const minimumSecretLength = 4

/**
 * Removes credentials from text that may reach a message, an error, a span or a
 * log: every configured secret (API keys, auth header values, URL query values),
 * the query string of any URL (Gemini-style `?key=` links, Azure `api-version`
 * companions), bearer tokens, and strings shaped like well-known API keys that a
 * provider may echo back in an error body even when we did not configure them.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text
  for (const secret of secrets) {
    if (secret.length >= minimumSecretLength) result = result.split(secret).join(redacted)
  }
  return result
    .replace(/(\bhttps?:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi, `$1?${redacted}`)
    .replace(/\b(bearer\s+)[\w.~+/=-]{8,}/gi, `$1${redacted}`)
    .replace(/\b(sk|rk|pk)-[\w-]{8,}/g, redacted)
    .replace(/\bAIza[\w-]{20,}/g, redacted)
}
