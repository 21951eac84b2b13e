/** Header values shorter than this (`json`, `true`) are not secrets and would only garble messages. */
const minimumHeaderSecretLength = 8

export interface SecretSources {
  apiKey?: string
  headers?: Record<string, string>
  query?: Record<string, string>
}

/** Every configured value that must never appear in an error: the key, header values, query values. */
export function collectSecrets(sources: SecretSources): string[] {
  const secrets = new Set<string>()
  if (sources.apiKey) secrets.add(sources.apiKey)
  for (const value of Object.values(sources.headers ?? {})) {
    if (value.length >= minimumHeaderSecretLength) secrets.add(value)
  }
  for (const value of Object.values(sources.query ?? {})) {
    if (value !== '') secrets.add(value)
  }
  // Longest first, so that a key is removed whole before any shorter value inside it.
  return [...secrets].sort((left, right) => right.length - left.length)
}
