import { createClient } from '@clickhouse/client'
import { clientLog, type Store } from './create-store.js'
import type { Migration } from './migrations/migration.js'
import { migrations as allMigrations } from './migrations/migrations.js'
import { StoreMigrationError } from './store-error.js'

export interface MigrateOptions {
  store: Store
  /**
   * Days to keep spans (`otel_traces`, its trace-id lookup and `llm_calls`); spend
   * rollups are kept. `undefined` leaves the tables as they are, `0` removes the TTL.
   */
  retentionDays?: number
  /** For tests of the upgrade path; defaults to every migration switchyard ships. */
  migrations?: readonly Migration[]
}

export interface MigrateResult {
  /** The store's version before: 0 for an empty store. */
  from: number
  to: number
  applied: number[]
}

const retentionTables = [
  { table: 'otel_traces', column: 'Timestamp' },
  { table: 'otel_traces_trace_id_ts', column: 'Start' },
  { table: 'llm_calls', column: 'Timestamp' },
] as const

/**
 * Bring the store to the newest schema: create the database if needed, run every
 * migration above the recorded version in order, and record each one. Safe to run
 * at every start and from several processes (statements are idempotent). A store
 * written by a newer switchyard is refused rather than guessed at.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { store } = options
  const migrations = options.migrations ?? allMigrations
  assertOrdered(migrations)
  const knownVersion = migrations.at(-1)?.version ?? 0

  await ensureDatabase(store)
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS switchyard_migrations (
    Version UInt32,
    Name String,
    AppliedAt DateTime64(3)
) ENGINE = MergeTree() ORDER BY Version`,
  })
  const from = await storeVersion(store)
  if (from > knownVersion) {
    throw new StoreMigrationError(
      `the store ${store.displayUrl} is at schema version ${from}, newer than this switchyard knows (${knownVersion}): `
      + 'upgrade switchyard, or point it at another store',
      { storeVersion: from, knownVersion },
    )
  }

  const applied: number[] = []
  for (const migration of migrations) {
    if (migration.version <= from) continue
    try {
      for (const statement of migration.statements) await store.client.command({ query: statement })
    } catch (error) {
      throw new StoreMigrationError(
        `migration ${migration.version} (${migration.name}) failed on ${store.displayUrl}: ${error instanceof Error ? error.message : String(error)}`,
        { storeVersion: applied.at(-1) ?? from, knownVersion, cause: error },
      )
    }
    await store.client.insert({
      table: 'switchyard_migrations',
      format: 'JSONEachRow',
      values: [{ Version: migration.version, Name: migration.name, AppliedAt: (Date.now() / 1000).toFixed(3) }],
    })
    applied.push(migration.version)
  }

  if (options.retentionDays !== undefined) await applyRetention(store, options.retentionDays)
  return { from, to: Math.max(from, knownVersion), applied }
}

/** The highest migration recorded in the store, 0 for an empty store. */
export async function storeVersion(store: Store): Promise<number> {
  const result = await store.client.query({
    query: 'SELECT max(Version) AS version FROM switchyard_migrations',
    format: 'JSONEachRow',
  })
  const rows = await result.json<{ version: number | string }>()
  return Number(rows[0]?.version ?? 0)
}

async function ensureDatabase(store: Store): Promise<void> {
  const location = store.location
  if (location.kind !== 'http' || location.database === 'default') return
  // The store's own client names a database that may not exist yet, and a server
  // refuses every request for an unknown database: create it from `default`.
  const bootstrap = createClient({
    url: location.url,
    username: location.username,
    password: location.password,
    database: 'default',
    application: 'switchyard',
    log: clientLog({ displayUrl: store.displayUrl, secrets: [location.password] }),
  })
  try {
    await bootstrap.command({
      query: 'CREATE DATABASE IF NOT EXISTS {database:Identifier}',
      query_params: { database: location.database },
    })
  } finally {
    await bootstrap.close()
  }
}

async function applyRetention(store: Store, retentionDays: number): Promise<void> {
  if (!Number.isInteger(retentionDays) || retentionDays < 0) {
    throw new StoreMigrationError(`retention must be a whole number of days >= 0 (got ${retentionDays})`, { storeVersion: 0, knownVersion: 0 })
  }
  for (const { table, column } of retentionTables) {
    const query = retentionDays === 0
      ? `ALTER TABLE ${table} REMOVE TTL`
      : `ALTER TABLE ${table} MODIFY TTL toDateTime(${column}) + toIntervalDay({days:UInt32})`
    try {
      await store.client.command({ query, query_params: retentionDays === 0 ? {} : { days: retentionDays } })
    } catch (error) {
      // Removing a TTL that was never set is not an error worth stopping for.
      if (retentionDays === 0 && /TTL/i.test(String(error))) continue
      throw error
    }
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations must be numbered 1, 2, 3 ... without gaps; found ${migration.version} at position ${index + 1}`)
    }
  })
}
