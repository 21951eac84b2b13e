import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type * as ChdbModuleNamespace from 'chdb'
import type * as ChdbConnectionModuleNamespace from 'chdb/connection'
import { clickHouseLoggerClass, type ClickHouseLoggerOptions } from './clickhouse-logger.js'
import { embeddedEngineArgs } from './embedded-engine-args.js'
import { StoreConfigError } from './store-error.js'
import { DEFAULT_STORE_URL, parseStoreUrl, redactStoreUrl, type StoreLocation } from './store-url.js'

/** A ClickHouse store: one `@clickhouse/client`, whichever deployment is behind it. */
export interface Store {
  readonly location: StoreLocation
  readonly client: ClickHouseClient
  /** The URL without its password, for logs and errors. */
  readonly displayUrl: string
  /**
   * The embedded engine's own insert (chdb:// only): the rows' bytes go to the engine as
   * they are. Through the client's connection, chdb first turns the body into a JS string
   * and appends it to the statement, two copies on the V8 heap per insert.
   */
  readonly insertBytes?: (options: InsertBytesOptions) => Promise<void>
  close(): Promise<void>
}

export interface InsertBytesOptions {
  table: string
  columns?: readonly string[]
  format: 'JSONEachRow' | 'JSONCompactEachRow'
  body: Buffer
  /** Settings of this one statement (its SETTINGS clause), e.g. the deduplication token. */
  settings: Record<string, string>
}

export interface CreateStoreOptions {
  /** `chdb://<dir>` or `http(s)://user:pass@host:8123/database`; default `chdb://.switchyard/data`. */
  url?: string
  /** Per-request timeout for a ClickHouse server (ignored by the embedded engine). */
  requestTimeoutMs?: number
  cwd?: string
}

/**
 * Open the store named by a URL. `chdb://` loads the optional `chdb` package only
 * here, so users of a ClickHouse server can install switchyard without the embedded
 * engine; a missing `chdb` fails with an error that says how to install it.
 */
export async function createStore(options: CreateStoreOptions = {}): Promise<Store> {
  const url = options.url ?? DEFAULT_STORE_URL
  const location = parseStoreUrl(url, options.cwd)
  const displayUrl = redactStoreUrl(url)
  if (location.kind === 'chdb') {
    const embedded = await createEmbeddedClient(location.directory, clientLog({ displayUrl, secrets: [] }))
    return { location, client: embedded.client, displayUrl, insertBytes: embedded.insertBytes, close: () => embedded.client.close() }
  }
  const client = createClient({
    url: location.url,
    username: location.username,
    password: location.password,
    database: location.database,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    application: 'switchyard',
    // The client's own lines go through switchyard's logger, one line each, without
    // the password; a failed request is reported by its caller (see clickHouseLoggerClass).
    log: clientLog({ displayUrl, secrets: [location.password] }),
  })
  return {
    location,
    client,
    displayUrl,
    close: () => client.close(),
  }
}

type ChdbModule = typeof ChdbModuleNamespace
type ChdbConnectionModule = typeof ChdbConnectionModuleNamespace
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

/**
 * The `log` option of every client switchyard creates for a store: the client's
 * warnings and errors through switchyard's logger (see clickHouseLoggerClass).
 */
export function clientLog(options: ClickHouseLoggerOptions): { LoggerClass: ReturnType<typeof clickHouseLoggerClass>; level: ClickHouseLogLevel } {
  return { LoggerClass: clickHouseLoggerClass(options), level: ClickHouseLogLevel.WARN }
}

async function createEmbeddedClient(directory: string, log: ReturnType<typeof clientLog>): Promise<{ client: ClickHouseClient; insertBytes: (options: InsertBytesOptions) => Promise<void> }> {
  let chdb: ChdbModule
  let chdbConnection: ChdbConnectionModule
  try {
    chdb = await import('chdb')
    chdbConnection = await import('chdb/connection')
  } catch (error) {
    throw new StoreConfigError(
      'the store URL is chdb:// but the embedded ClickHouse engine (the optional `chdb` package) is not installed: '
      + 'run `npm install chdb`, or set CLICKHOUSE_URL / --store to an http(s):// ClickHouse server',
      { cause: error },
    )
  }
  try {
    // chdb runs one engine per data directory and process, started by the first
    // connection to it (later ones join it as it is); createChdbConnection takes no
    // engine arguments, so a session with them starts the engine, the client's
    // connection joins it, and the engine stays up with that connection once the
    // starting session is closed.
    const starter = new chdb.Session(directory, { connectionArgs: await embeddedEngineArgs(directory) })
    let connection: ReturnType<ChdbConnectionModule['createChdbConnection']>
    try {
      connection = chdbConnection.createChdbConnection({ path: directory })
    } finally {
      starter.close()
    }
    const extension = connection.chdb
    return {
      // chdb implements the client's Connection contract against its own copy of
      // @clickhouse/client-common; the two copies' types differ only nominally.
      client: createClient({ connection: connection as unknown as ClientConnection, log }),
      insertBytes: async (options) => {
        // chdb builds `INSERT INTO t (columns) SETTINGS k = 'v' FORMAT f` itself: names
        // through its identifier check, setting values as escaped literals, the format
        // from a fixed list. The body is handed over without a copy.
        await extension.rawInsert({ table: options.table, columns: options.columns, format: options.format, values: options.body, settings: options.settings })
      },
    }
  } catch (error) {
    throw new StoreConfigError(
      `cannot open the embedded store at ${directory}: ${error instanceof Error ? error.message : String(error)} `
      + '(one process owns a chdb data directory at a time: is a collector or another switchyard process using it?)',
      { cause: error },
    )
  }
}
