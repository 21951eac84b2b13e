import path from 'node:path'
import { StoreConfigError } from './store-error.js'

export const DEFAULT_STORE_URL = 'chdb://.switchyard/data'

/**
 * The database the docs, the docker compose stack and collector/otelcol-contrib.yaml
 * use on a ClickHouse server (the contrib exporter's own default), e.g.
 * `http://default:secret@clickhouse:8123/otel`.
 */
export const SERVER_DATABASE = 'otel'

/** The two deployments of the same SQL: the embedded engine, or a ClickHouse server. */
export type StoreLocation =
  | { kind: 'chdb'; directory: string; database: 'default' }
  | { kind: 'http'; url: string; database: string; username: string; password: string }

const databaseNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/**
 * Parse a store URL: `chdb://<dir>` (relative to `cwd`, or absolute as `chdb:///abs/dir`)
 * or `http(s)://user:pass@host:port/database`. The embedded engine always uses the
 * `default` database: one data directory is one store.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  if (url.startsWith('chdb://')) {
    const rest = url.slice('chdb://'.length)
    if (rest === '') throw new StoreConfigError(`store URL ${JSON.stringify(url)} names no directory: use chdb://<dir>, e.g. ${DEFAULT_STORE_URL}`)
    return { kind: 'chdb', directory: path.resolve(cwd, rest), database: 'default' }
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new StoreConfigError(`store URL is not a URL: use chdb://<dir> or http(s)://user:pass@host:8123/database (got ${describeUnparsable(url)})`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new StoreConfigError(`store URL scheme ${parsed.protocol} is not supported: use chdb://<dir> or http(s)://user:pass@host:8123/database`)
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, '')) || 'default'
  if (!databaseNamePattern.test(database)) {
    throw new StoreConfigError(`store URL database ${JSON.stringify(database)} is not a plain identifier (letters, digits, underscore)`)
  }
  const username = decodeURIComponent(parsed.username) || 'default'
  const password = decodeURIComponent(parsed.password)
  const base = new URL(parsed.origin)
  return { kind: 'http', url: base.toString().replace(/\/$/, ''), database, username, password }
}

/** The store URL with any password removed, safe for logs and errors. */
export function redactStoreUrl(url: string): string {
  if (url.startsWith('chdb://')) return url
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    parsed.search = ''
    return parsed.toString()
  } catch {
    return describeUnparsable(url)
  }
}

function describeUnparsable(url: string): string {
  // An unparsable URL may still hold a password: show only its shape.
  return `${url.length} characters starting ${JSON.stringify(url.slice(0, 8))}`
}

/** The password in a store URL, to keep out of logs and errors; undefined when it has none or is no URL. */
export function storeUrlPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}
