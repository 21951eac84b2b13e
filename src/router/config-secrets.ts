/** Key names whose values are credentials wherever they appear in a provider's options. */
const secretKeyPattern = /key|token|secret|password|passwd|authorization|credential/i

/** Objects whose every value may be a credential (`headers: { 'x-api-key': ... }`). */
const secretContainerPattern = /^(headers|query|queryParams)$/i

/** Provider options are shallow; this bounds the walk over whatever a user passes. */
const maximumDepth = 4

/**
 * Every credential in an unvalidated config: API keys, tokens and header or query
 * values under `providers`, and the password of a `store` URL. Taken from the raw
 * input so that secrets are found even where validation fails, and scrubbed from
 * any message a config error builds.
 */
export function configSecrets(input: unknown): string[] {
  const secrets = new Set<string>()
  if (isRecord(input)) {
    collect(input.providers, false, 0, secrets)
    if (typeof input.store === 'string') addStorePassword(input.store, secrets)
  }
  // Longest first, so a key is removed whole before any shorter value inside it.
  return [...secrets].sort((left, right) => right.length - left.length)
}

function collect(value: unknown, isSecret: boolean, depth: number, secrets: Set<string>): void {
  if (typeof value === 'string') {
    if (isSecret && value !== '') secrets.add(value)
    return
  }
  if (depth >= maximumDepth || typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    collect(child, isSecret || secretKeyPattern.test(key) || secretContainerPattern.test(key), depth + 1, secrets)
  }
}

function addStorePassword(store: string, secrets: Set<string>): void {
  try {
    const url = new URL(store)
    if (url.password !== '') {
      secrets.add(url.password)
      secrets.add(decodeURIComponent(url.password))
    }
  } catch {
    // Not a URL: src/store reports that; there is no password to hide.
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
