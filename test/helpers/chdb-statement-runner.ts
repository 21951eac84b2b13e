import { drainPending, Session } from 'chdb'
import type { RawInsertFormat } from 'chdb'
import { chdbParamValue, placeholderTypes } from './clickhouse-param-value.js'

/** One statement as the HTTP interface received it, ready for the engine. */
export interface Statement {
  /** Full SQL, including any inline data. Ignored when `insert` is set. */
  sql: string
  /** A plain `INSERT INTO t [(cols)] FORMAT F` with its data, run through chdb's raw insert. */
  insert?: { table: string; columns?: string[]; format: RawInsertFormat; values: Buffer }
  /** `param_<name>` values in their wire (escaped text) form. */
  params: Record<string, string>
  /** ClickHouse settings for this statement only. */
  settings: Record<string, string>
  /** Current database while the statement runs. */
  database: string
  /** Output format when the SQL has no FORMAT clause. */
  format: string
}

/** Counters for the `X-ClickHouse-Summary` header, as the server spells them. */
export interface StatementSummary {
  read_rows: string
  read_bytes: string
  written_rows: string
  written_bytes: string
  total_rows_to_read: string
  result_rows: string
  result_bytes: string
  elapsed_ns: string
}

export interface StatementOutcome {
  body: Buffer
  summary: StatementSummary
}

/** An engine failure, carrying the ClickHouse error code and the server's error text. */
export class ChdbStatementError extends Error {
  readonly code: number
  /** `Code: N. DB::Exception: ... (TYPE) (version V)`, the body a server would send. */
  readonly text: string

  constructor(code: number, text: string) {
    super(text)
    this.name = 'ChdbStatementError'
    this.code = code
    this.text = text
  }
}

export function isChdbStatementError(value: unknown): value is ChdbStatementError {
  return value instanceof ChdbStatementError
}

export interface ChdbStatementRunner {
  readonly engineVersion: string
  readonly timezone: string
  /** Queues the statement behind every earlier one; rejects with ChdbStatementError. */
  run(statement: Statement): Promise<StatementOutcome>
  /** Waits for queued statements, closes the session and drains chdb's native work. */
  close(): Promise<void>
}

export interface ChdbStatementRunnerOptions {
  dataDir: string
  /** Statements allowed to wait for the engine; beyond it `run` rejects (code 202). */
  maxQueued?: number
}

const DEFAULT_MAX_QUEUED = 1_000
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAY_CHANGE_SETTINGS = /\bSET\b/i
const MAY_CHANGE_DATABASE = /\bUSE\b/i

/**
 * Opens one chdb Session at `dataDir` and runs statements on it one at a time,
 * the way a server runs each HTTP request in a fresh query context. A chdb
 * session keeps `USE` and `SET` between queries, so the runner switches the
 * database before each statement and, after any statement that could have
 * changed settings, puts every setting back to what the session started with.
 */
export async function createChdbStatementRunner(options: ChdbStatementRunnerOptions): Promise<ChdbStatementRunner> {
  const session = new Session(options.dataDir)
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED
  try {
    const [engine] = await readRows<{ version: string; timezone: string }>(
      session,
      'SELECT version() AS version, timezone() AS timezone',
    )
    const baseline = await readChangedSettings(session)
    const version = engine?.version ?? 'unknown'
    let tail: Promise<unknown> = Promise.resolve()
    let queued = 0
    let closed = false
    let currentDatabase: string | undefined = 'default'

    const execute = async (statement: Statement): Promise<StatementOutcome> => {
      const settingNames = Object.keys(statement.settings)
      const restore = settingNames.length > 0 || (statement.insert === undefined && MAY_CHANGE_SETTINGS.test(statement.sql))
      try {
        if (currentDatabase !== statement.database) {
          currentDatabase = undefined
          await session.queryAsync(`USE ${quoteIdentifier(statement.database)}`)
          currentDatabase = statement.database
        }
        if (settingNames.length > 0) await session.queryAsync(`SET ${settingAssignments(statement.settings)}`)
        return await executeStatement(session, statement)
      } catch (error) {
        throw toStatementError(error, version)
      } finally {
        if (statement.insert === undefined && MAY_CHANGE_DATABASE.test(statement.sql)) currentDatabase = undefined
        // A failed restore would leak settings into later requests: let it fail this one loudly.
        if (restore) await restoreSettings(session, baseline)
      }
    }

    return {
      engineVersion: version,
      timezone: engine?.timezone ?? 'UTC',
      run(statement) {
        if (closed) return Promise.reject(toStatementError(new Error('the test front is closing'), version))
        if (queued >= maxQueued) {
          return Promise.reject(
            new ChdbStatementError(
              202,
              `Code: 202. DB::Exception: Too many simultaneous queries: ${queued} are waiting for the engine. (TOO_MANY_SIMULTANEOUS_QUERIES) (version ${version})`,
            ),
          )
        }
        queued += 1
        const result = tail.then(() => execute(statement))
        tail = result.then(
          () => (queued -= 1),
          () => (queued -= 1),
        )
        return result
      },
      async close() {
        closed = true
        await tail
        session.close()
        await drainPending()
      },
    }
  } catch (error) {
    session.close()
    await drainPending()
    throw error
  }
}

async function executeStatement(session: Session, statement: Statement): Promise<StatementOutcome> {
  if (statement.insert !== undefined) {
    const { table, columns, format, values } = statement.insert
    const written = await session.insert({ table, format, values, ...(columns ? { columns } : {}) })
    return {
      body: Buffer.alloc(0),
      summary: summarize({ readRows: written.rowsWritten, readBytes: written.bytesWritten, writtenRows: written.rowsWritten, writtenBytes: written.bytesWritten, resultRows: 0, resultBytes: 0, elapsed: written.elapsed }),
    }
  }
  const names = Object.keys(statement.params)
  const result =
    names.length === 0
      ? await session.queryAsync(statement.sql, { format: statement.format })
      : await session.queryBindAsync(statement.sql, bindParams(statement.sql, statement.params), { format: statement.format })
  const bytes = result.bytes()
  return {
    body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    summary: summarize({ readRows: result.rowsRead, readBytes: result.bytesRead, writtenRows: 0, writtenBytes: 0, resultRows: result.rowsRead, resultBytes: result.bytesRead, elapsed: result.elapsed }),
  }
}

function bindParams(sql: string, params: Record<string, string>): Record<string, string | null> {
  const types = placeholderTypes(sql)
  const bound: Record<string, string | null> = {}
  for (const [name, wire] of Object.entries(params)) bound[name] = chdbParamValue(wire, types.get(name))
  return bound
}

function summarize(counts: {
  readRows: number
  readBytes: number
  writtenRows: number
  writtenBytes: number
  resultRows: number
  resultBytes: number
  elapsed: number
}): StatementSummary {
  return {
    read_rows: String(counts.readRows),
    read_bytes: String(counts.readBytes),
    written_rows: String(counts.writtenRows),
    written_bytes: String(counts.writtenBytes),
    total_rows_to_read: '0',
    result_rows: String(counts.resultRows),
    result_bytes: String(counts.resultBytes),
    elapsed_ns: String(Math.max(0, Math.round(counts.elapsed * 1e9))),
  }
}

async function readRows<Row>(session: Session, sql: string): Promise<Row[]> {
  const result = await session.queryAsync(sql, { format: 'JSONEachRow' })
  return result
    .text()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Row)
}

async function readChangedSettings(session: Session): Promise<Map<string, string>> {
  const rows = await readRows<{ name: string; value: string }>(
    session,
    'SELECT name, value FROM system.settings WHERE changed',
  )
  return new Map(rows.map((row) => [row.name, row.value]))
}

async function restoreSettings(session: Session, baseline: ReadonlyMap<string, string>): Promise<void> {
  const changed = await readChangedSettings(session)
  const assignments: string[] = []
  for (const [name, value] of changed) {
    const original = baseline.get(name)
    if (original === undefined) assignments.push(`${name} = DEFAULT`)
    else if (original !== value) assignments.push(`${name} = ${quoteString(original)}`)
  }
  for (const [name, value] of baseline) {
    if (!changed.has(name)) assignments.push(`${name} = ${quoteString(value)}`)
  }
  if (assignments.length > 0) await session.queryAsync(`SET ${assignments.join(', ')}`)
}

function settingAssignments(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!SETTING_NAME.test(name)) throw new Error(`Code: 115. DB::Exception: Unknown setting '${name}'. (UNKNOWN_SETTING)`)
      return `${name} = ${quoteString(value)}`
    })
    .join(', ')
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``
}

/** The engine's own `Code: N. DB::Exception: ...` text when it has one, else a wrapped message. */
function toStatementError(error: unknown, version: string): ChdbStatementError {
  if (isChdbStatementError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  const coded = /^Code: (\d+)\./.exec(message)
  const versionSuffix = message.includes('(version ') ? '' : ` (version ${version})`
  if (coded?.[1] !== undefined) return new ChdbStatementError(Number(coded[1]), `${message}${versionSuffix}`)
  const isBindError = error instanceof Error && error.name === 'ChdbBindError'
  const [code, type] = isBindError ? [457, 'BAD_QUERY_PARAMETER'] : [1001, 'STD_EXCEPTION']
  return new ChdbStatementError(code, `Code: ${code}. DB::Exception: ${message}. (${type}) (version ${version})`)
}
