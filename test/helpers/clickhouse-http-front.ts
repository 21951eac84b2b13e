import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { RawInsertFormat } from 'chdb'
import { createChdbStatementRunner, isChdbStatementError } from './chdb-statement-runner.js'
import type { Statement, StatementOutcome } from './chdb-statement-runner.js'
import { createFaultInjector } from './clickhouse-http-faults.js'
import type { FaultControls } from './clickhouse-http-faults.js'

export type { FaultControls, FaultCounts } from './clickhouse-http-faults.js'

export interface ClickHouseHttpFrontOptions {
  /** Data directory of the embedded engine; one process may hold only one. */
  dataDir: string
  /** When user or password is set, every query must carry them (default user `default`, empty password). */
  user?: string
  password?: string
}

export interface ClickHouseHttpFront {
  /** `http://user:pass@127.0.0.1:<port>`, ready for `createClient({ url })`. */
  url: string
  port: number
  faults: FaultControls
  /** HTTP requests received so far, including pings and the ones a fault broke. */
  requestCount(): number
  /** Stops listening, destroys open sockets, closes the chdb session and waits for chdb's native work. */
  close(): Promise<void>
}

interface Answer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

const MAX_BODY_BYTES = 256 * 1024 * 1024
const DEFAULT_FORMAT = 'TabSeparated'
const FRONT_NAME = 'switchyard-test-front'
const INJECTED_FAILURE = { code: 202, type: 'TOO_MANY_SIMULTANEOUS_QUERIES', message: 'Too many simultaneous queries (injected by the test front)' }

// URL parameters that belong to the HTTP interface, not to the query's settings.
const INTERFACE_PARAMS = new Set([
  'query', 'database', 'default_format', 'query_id', 'user', 'password', 'quota_key', 'role', 'stacktrace',
  'session_id', 'session_timeout', 'session_check', 'close_session', 'compress', 'decompress', 'buffer_size',
  'wait_end_of_query', 'client_protocol_version', '_',
  // Real settings, but they only shape the HTTP exchange, which this front does itself.
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'http_response_buffer_size', 'http_wait_end_of_query',
  'http_native_compression_disable_checksumming_on_decompress', 'cancel_http_readonly_queries_on_client_close',
])

const RAW_INSERT_FORMATS = new Set<string>([
  'JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames',
])
const PLAIN_INSERT = /^\s*INSERT\s+INTO\s+([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)\s*(?:\(([^()]*)\))?\s*FORMAT\s+([A-Za-z]+)\s*$/i
const INSERT_AWAITING_DATA = /^\s*INSERT\b[\s\S]*\bFORMAT\s+[A-Za-z0-9_]+\s*$/i
const COLUMN_NAME = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/
const TRAILING_FORMAT = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i

// The server's grouping of error codes into HTTP statuses: parse errors are the
// client's fault (400), unknown objects are 404, the rest 500.
const BAD_REQUEST_CODES = new Set([6, 25, 26, 27, 36, 38, 41, 53, 62, 72, 117, 456, 457])
const NOT_FOUND_CODES = new Set([46, 47, 50, 60, 73, 81, 115])

const decompressors: Readonly<Record<string, (input: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
}
const compressors: Readonly<Record<string, (input: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
}

/**
 * Serves ClickHouse's HTTP interface from the embedded chdb engine, enough for
 * `@clickhouse/client` over plain `http://`: queries in the body or the `query`
 * parameter, inserts with the data in the body, `param_<name>` bindings (also
 * as multipart), per-request `database` and settings, gzip/deflate/br in both
 * directions, basic auth and `/ping`. Requests run one at a time on a single
 * chdb Session at `dataDir`. `faults` lets a test reset, stall or fail
 * requests to see how the caller copes.
 */
export async function startClickHouseHttpFront(options: ClickHouseHttpFrontOptions): Promise<ClickHouseHttpFront> {
  const runner = await createChdbStatementRunner({ dataDir: options.dataDir })
  const faults = createFaultInjector()
  const checkAuth = options.user !== undefined || options.password !== undefined
  const user = options.user ?? 'default'
  const password = options.password ?? ''
  let requests = 0

  const server = createServer((request, response) => {
    requests += 1
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' })
      response.end(`Code: 1001. DB::Exception: test front failed: ${String(error)}. (STD_EXCEPTION)\n`)
    })
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (faults.takeReset()) {
      request.socket.destroy()
      return
    }
    const url = new URL(request.url ?? '/', 'http://front')
    const queryId = url.searchParams.get('query_id') || randomUUID()
    const failureStatus = faults.takeFailure()
    let answer: Answer
    if (failureStatus !== undefined) {
      request.resume()
      answer = errorAnswer(failureStatus, INJECTED_FAILURE.code, clickHouseErrorText(INJECTED_FAILURE, runner.engineVersion), queryId)
    } else {
      answer = await answerRequest(request, url, queryId)
    }
    await faults.holdAnswer()
    if (response.destroyed || request.socket.destroyed) return
    await send(request, response, url, answer)
  }

  async function answerRequest(request: IncomingMessage, url: URL, queryId: string): Promise<Answer> {
    const queryParam = url.searchParams.get('query')
    if (url.pathname === '/ping' || (url.pathname === '/' && request.method === 'GET' && queryParam === null)) {
      request.resume()
      return { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: Buffer.from('Ok.\n') }
    }
    if (url.pathname !== '/') {
      request.resume()
      return { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: Buffer.from(`There is no handle ${url.pathname}\n`) }
    }
    const caller = credentialsOf(request, url)
    if (checkAuth && (caller.user !== user || caller.password !== password)) {
      request.resume()
      const message = `${caller.user}: Authentication failed: password is incorrect, or there is no user with such name`
      return errorAnswer(401, 516, clickHouseErrorText({ code: 516, type: 'AUTHENTICATION_FAILED', message }, runner.engineVersion), queryId)
    }
    if (url.searchParams.has('session_id')) {
      request.resume()
      const message = 'sessions (session_id) are not supported by the test front; every request is stateless'
      return errorAnswer(501, 48, clickHouseErrorText({ code: 48, type: 'NOT_IMPLEMENTED', message }, runner.engineVersion), queryId)
    }
    try {
      const statement = await readStatement(request, url, queryParam)
      if (statement === 'empty insert') return successAnswer(emptyInsertOutcome(), DEFAULT_FORMAT, queryId)
      const outcome = await runner.run(statement)
      return successAnswer(outcome, outputFormat(statement), queryId)
    } catch (error) {
      if (isChdbStatementError(error)) return errorAnswer(statusForCode(error.code), error.code, `${error.text}\n`, queryId)
      if (isRequestError(error)) return errorAnswer(error.status, error.code, clickHouseErrorText(error, runner.engineVersion), queryId)
      throw error
    }
  }

  function successAnswer(outcome: StatementOutcome, format: string, queryId: string): Answer {
    return {
      status: 200,
      headers: {
        'Content-Type': contentTypeFor(format),
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Timezone': runner.timezone,
        'X-ClickHouse-Server-Display-Name': FRONT_NAME,
        'X-ClickHouse-Summary': JSON.stringify(outcome.summary),
      },
      body: outcome.body,
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined

  return {
    url: `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    faults,
    requestCount: () => requests,
    close() {
      closing ??= (async () => {
        faults.clear()
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await stopped
        await runner.close()
      })()
      return closing
    },
  }
}

/** A request the front refuses before it reaches the engine. */
class RequestError extends Error {
  readonly status: number
  readonly code: number
  readonly type: string

  constructor(options: { status: number; code: number; type: string; message: string }) {
    super(options.message)
    this.name = 'RequestError'
    this.status = options.status
    this.code = options.code
    this.type = options.type
  }
}

function isRequestError(value: unknown): value is RequestError {
  return value instanceof RequestError
}

/** Turns a request into a statement: SQL from `query` and/or the body, bindings, settings, database, format. */
async function readStatement(request: IncomingMessage, url: URL, queryParam: string | null): Promise<Statement | 'empty insert'> {
  let body = await readBody(request)
  let query = queryParam
  const params: Record<string, string> = {}
  const settings: Record<string, string> = {}
  for (const [name, value] of url.searchParams) {
    if (name.startsWith('param_')) params[name.slice('param_'.length)] = value
    else if (!INTERFACE_PARAMS.has(name)) settings[name] = value
  }
  const contentType = request.headers['content-type'] ?? ''
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData()
    for (const [name, value] of form) {
      if (typeof value !== 'string') continue
      if (name === 'query') query = value
      else if (name.startsWith('param_')) params[name.slice('param_'.length)] = value
    }
    body = Buffer.alloc(0)
  }
  const database = url.searchParams.get('database') || headerValue(request, 'x-clickhouse-database') || 'default'
  const format = url.searchParams.get('default_format') || headerValue(request, 'x-clickhouse-format') || DEFAULT_FORMAT
  const base = { params, settings, database, format }

  if (query !== null && query.trim().length > 0 && body.length > 0) {
    const insert = Object.keys(params).length === 0 ? plainInsert(query, body) : undefined
    if (insert !== undefined) return { ...base, sql: query, insert }
    return { ...base, sql: `${query}\n${body.toString('utf8')}` }
  }
  const sql = query !== null && query.trim().length > 0 ? query : body.toString('utf8')
  if (sql.trim().length === 0) throw new RequestError({ status: 400, code: 62, type: 'SYNTAX_ERROR', message: 'Empty query' })
  // The server inserts nothing for an INSERT whose data part is empty; chdb would refuse it.
  if (INSERT_AWAITING_DATA.test(sql)) return 'empty insert'
  return { ...base, sql }
}

function plainInsert(query: string, values: Buffer): Statement['insert'] {
  const match = PLAIN_INSERT.exec(query)
  const [, table, columnList, format] = match ?? []
  if (table === undefined || format === undefined || !RAW_INSERT_FORMATS.has(format)) return undefined
  if (columnList === undefined) return { table, format: format as RawInsertFormat, values }
  const columns = columnList.split(',').map((column) => column.trim())
  if (!columns.every((column) => COLUMN_NAME.test(column))) return undefined
  return { table, columns, format: format as RawInsertFormat, values }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      request.resume()
      throw new RequestError({ status: 413, code: 307, type: 'TOO_MANY_BYTES', message: `Request body is larger than ${MAX_BODY_BYTES} bytes` })
    }
    chunks.push(chunk)
  }
  const raw = Buffer.concat(chunks)
  const encoding = (headerValue(request, 'content-encoding') ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || encoding === '') return raw
  const decompress = decompressors[encoding]
  if (decompress === undefined) {
    throw new RequestError({ status: 400, code: 36, type: 'BAD_ARGUMENTS', message: `Unsupported Content-Encoding: ${encoding} (the test front reads gzip, deflate and br)` })
  }
  try {
    return await decompress(raw)
  } catch (error) {
    throw new RequestError({ status: 400, code: 354, type: 'CANNOT_DECOMPRESS', message: `Cannot decompress the ${encoding} request body: ${String(error)}` })
  }
}

async function send(request: IncomingMessage, response: ServerResponse, url: URL, answer: Answer): Promise<void> {
  let body = answer.body
  const headers = { ...answer.headers }
  const codec = answer.status === 200 && url.searchParams.get('enable_http_compression') === '1' ? acceptedCodec(request) : undefined
  if (codec !== undefined && body.length > 0) {
    const compress = compressors[codec]
    if (compress !== undefined) {
      body = await compress(body)
      headers['Content-Encoding'] = codec
    }
  }
  if (response.destroyed) return
  response.writeHead(answer.status, { ...headers, 'Content-Length': String(body.length) })
  response.end(body)
}

function acceptedCodec(request: IncomingMessage): string | undefined {
  const accepted = (headerValue(request, 'accept-encoding') ?? '').split(',').map((part) => part.split(';')[0]?.trim().toLowerCase())
  return accepted.find((codec) => codec !== undefined && codec in compressors)
}

function credentialsOf(request: IncomingMessage, url: URL): { user: string; password: string } {
  const authorization = headerValue(request, 'authorization')
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8')
    const separator = decoded.indexOf(':')
    if (separator >= 0) return { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) }
    return { user: decoded, password: '' }
  }
  const headerUser = headerValue(request, 'x-clickhouse-user')
  if (headerUser !== undefined) return { user: headerUser, password: headerValue(request, 'x-clickhouse-key') ?? '' }
  return { user: url.searchParams.get('user') ?? 'default', password: url.searchParams.get('password') ?? '' }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function errorAnswer(status: number, code: number, text: string, queryId: string): Answer {
  return {
    status,
    headers: {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Exception-Code': String(code),
      'X-ClickHouse-Server-Display-Name': FRONT_NAME,
    },
    body: Buffer.from(text),
  }
}

function clickHouseErrorText(error: { code: number; type: string; message: string }, version: string): string {
  return `Code: ${error.code}. DB::Exception: ${error.message}. (${error.type}) (version ${version})\n`
}

function statusForCode(code: number): number {
  if (BAD_REQUEST_CODES.has(code)) return 400
  if (NOT_FOUND_CODES.has(code)) return 404
  return 500
}

function outputFormat(statement: Statement): string {
  if (statement.insert !== undefined) return statement.format
  return TRAILING_FORMAT.exec(statement.sql)?.[1] ?? statement.format
}

function contentTypeFor(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8'
  if (format.startsWith('TabSeparated') || format.startsWith('TSV')) return 'text/tab-separated-values; charset=UTF-8'
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8'
  return 'text/plain; charset=UTF-8'
}

function emptyInsertOutcome(): StatementOutcome {
  return {
    body: Buffer.alloc(0),
    summary: {
      read_rows: '0', read_bytes: '0', written_rows: '0', written_bytes: '0',
      total_rows_to_read: '0', result_rows: '0', result_bytes: '0', elapsed_ns: '0',
    },
  }
}
