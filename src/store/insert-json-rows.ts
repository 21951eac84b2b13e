import { Readable } from 'node:stream'
import type { Store } from './create-store.js'

export interface InsertJsonRowsOptions {
  store: Store
  table: string
  /** JSONEachRow lines (or JSONCompactEachRow arrays in `columns` order), each ending in a newline. */
  body: string | Buffer
  /** With `columns`, the body is JSONCompactEachRow: one array per row, values in that order. */
  columns?: readonly string[]
  /**
   * Same token, same data: ClickHouse keeps the first insert and drops the repeats,
   * in the table and in every materialized view fed from it. Replays of the
   * collector's queue reuse their segment's token, so a crash never duplicates rows.
   */
  deduplicationToken: string
  /**
   * How many partitions one insert may touch. ClickHouse refuses an insert spread over
   * more than `max_partitions_per_insert_block` (100 by default) with TOO_MANY_PARTS, on
   * every retry; `otel_traces` is partitioned by day, so a batch of late spans from 101
   * days would never be written. The collector passes its batch's row count (a batch
   * cannot touch more days than it has rows, and batches are bounded). Unset: the store's.
   */
  maxPartitions?: number
}

/**
 * Insert pre-serialized JSONEachRow data with an insert deduplication token.
 * Over HTTP the token is a per-request setting. The embedded engine turns request
 * settings into session-wide `SET`s, which would leak into later inserts, so there
 * it travels in the statement's own SETTINGS clause: through chdb's raw insert
 * (Store.insertBytes), or, for a store without it, as a bound parameter.
 */
export async function insertJsonRows(options: InsertJsonRowsOptions): Promise<void> {
  const { store, table, body, deduplicationToken, columns, maxPartitions } = options
  if (body.length === 0) return
  if (maxPartitions !== undefined && !(Number.isSafeInteger(maxPartitions) && maxPartitions > 0)) throw new Error(`maxPartitions must be a positive integer, not ${maxPartitions}`)
  if (store.insertBytes !== undefined) {
    // chdb writes the token into the statement as an escaped literal, not a bound
    // parameter: only tokens of the queue's shape (letters, digits, `-`, `_`, `.`) are let in.
    if (!tokenPattern.test(deduplicationToken)) throw new Error(`not a deduplication token: ${JSON.stringify(deduplicationToken.slice(0, 80))}`)
    await store.insertBytes({
      table,
      columns,
      format: columns === undefined ? 'JSONEachRow' : 'JSONCompactEachRow',
      body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      settings: maxPartitions === undefined
        ? { insert_deduplication_token: deduplicationToken, ...embeddedParsing }
        : { insert_deduplication_token: deduplicationToken, max_partitions_per_insert_block: String(maxPartitions), ...embeddedParsing },
    })
    return
  }
  const embedded = store.location.kind === 'chdb'
  const target = columns === undefined ? quoteIdentifier(table) : `${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')})`
  const format = columns === undefined ? 'JSONEachRow' : 'JSONCompactEachRow'
  const partitionsSetting = maxPartitions === undefined ? '' : ', max_partitions_per_insert_block = {partitions:UInt64}'
  const result = await store.client.exec({
    query: embedded
      ? `INSERT INTO ${target} SETTINGS insert_deduplication_token = {token:String}${partitionsSetting}, input_format_parallel_parsing = 0 FORMAT ${format}`
      : `INSERT INTO ${target} FORMAT ${format}`,
    query_params: embedded ? { token: deduplicationToken, ...(maxPartitions === undefined ? {} : { partitions: maxPartitions }) } : {},
    clickhouse_settings: embedded
      ? {}
      : { insert_deduplication_token: deduplicationToken, ...(maxPartitions === undefined ? {} : { max_partitions_per_insert_block: String(maxPartitions) }) },
    // `exec` sends these bytes as they are; `insert` would re-encode them as JSON values.
    values: Readable.from([body]),
  })
  result.stream.resume()
  await new Promise<void>((resolve, reject) => {
    result.stream.once('end', resolve)
    result.stream.once('error', reject)
  })
}

/**
 * The embedded engine parses an insert on one thread. Its parallel parsing splits the
 * body into segments parsed by a pool of threads, which pays on a server's many cores;
 * inside the host process, on the few cores the host's own JavaScript also needs, the
 * extra threads cost more than they gain. Measured on the 2-core bench machine with the
 * collector's rows (20,000-row JSONCompactEachRow batches, views on, three rounds
 * alternating): 25.1 / 44.9 / 26.4 k spans/s with it, 31.7 / 46.2 / 47.0 k without
 * (bench/lib/collector-insert-formats.ts). A batch is one block either way (far under
 * max_insert_block_size), so deduplication tokens are unchanged. A server keeps its own
 * setting.
 */
const embeddedParsing = { input_format_parallel_parsing: '0' } as const

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/
/** The collector's tokens are `<queue uuid>-<segment number>`; tests and benchmarks use similar ones. */
const tokenPattern = /^[A-Za-z0-9_.-]{1,200}$/

/** Table and column names come from code, never from requests; this guards against a future mistake. */
export function quoteIdentifier(name: string): string {
  if (!identifierPattern.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`)
  return `\`${name}\``
}
