import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { diag } from '@opentelemetry/api'
import { z } from 'zod'
import { createPriceTable } from '../pricing/create-price-table.js'
import { createStore, type Store } from '../store/create-store.js'
import { loadPriceRows } from '../store/load-price-rows.js'
import { migrate } from '../store/migrate.js'
import { storeUrlPassword } from '../store/store-url.js'
import { CollectorMetrics } from './collector-metrics.js'
import { collectorOptionsSchema, type CollectorOptions, type ResolvedCollectorOptions } from './collector-options.js'
import { receiveTraces } from './receive-traces.js'
import { QueueShedding } from './queue-shedding.js'
import { RowBufferPool } from './row-buffer-pool.js'
import { serveReportRequest } from './report-route.js'
import { serveSpendRequest } from './spend-route.js'
import { QueueFlusher } from './queue-flusher.js'
import { DEAD_LETTER_FILE_NAME } from './dead-letter-file.js'
import { SegmentQueue } from './queue/segment-queue.js'
import { SeenSpans } from './span-dedup/seen-spans.js'
import { BodyMemoryBudget } from './body-memory-budget.js'
import { isLoopbackHost } from './is-loopback-host.js'
import { errorSummary } from '../shared/error-summary.js'
import { createRequestGuard, sendDoorRefusal } from './request-guard.js'
import { CollectorConfigError } from './collector-config-error.js'
import { serveHealth, serveReadiness } from './health-routes.js'
import { StoreReadiness } from './store-readiness.js'

export interface Collector {
  /** `http://host:port`, the OTLP/HTTP endpoint base (POST `${url}/v1/traces`). */
  readonly url: string
  readonly port: number
  readonly options: ResolvedCollectorOptions
  readonly store: Store
  readonly metrics: CollectorMetrics
  readonly queue: SegmentQueue
  /** The store answered and was migrated: the flusher writes. False while a store that was down at start has not answered. */
  readonly storePrepared: boolean
  /** Resolves once the store is migrated (at once when it answered at start); stays pending while it never answers. */
  readonly whenStorePrepared: Promise<void>
  /** The spans accepted within the dedup window; undefined when dedupWindowMs is 0. */
  readonly seenSpans: SeenSpans | undefined
  /** Resolves when everything accepted so far is in ClickHouse (or rejects after timeoutMs). */
  drain(timeoutMs?: number): Promise<void>
  /** Graceful stop: refuse new requests, flush what the queue holds (bounded by shutdownTimeoutMs), close the store. */
  close(): Promise<void>
}

/** The paths `handle` answers; a log line names no other (the client chose its text). */
const servedPaths: ReadonlySet<string> = new Set(['/v1/traces', '/healthz', '/readyz', '/v1/spend', '/v1/report', '/metrics'])

/** The read-only routes and their methods: another method on them is a 405 that says which, not a 404. */
const readRouteMethods = new Map([['/v1/report', 'GET'], ['/metrics', 'GET'], ['/healthz', 'GET, HEAD'], ['/readyz', 'GET, HEAD']])

/** Probes reach these without the token, and then learn only the status (and, for /readyz, its reason). */
const probePaths: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

export { CollectorConfigError }

/**
 * Start the OTLP/HTTP receiver: migrate the store, open (and replay) the write-ahead
 * queue, start the flusher, then listen. A store that does not answer at start does
 * not stop it: spans are taken into the queue, the store is retried with backoff, and
 * the migrations run and the flusher starts once it answers (see StoreReadiness). A
 * `200` from `POST /v1/traces` means the spans are on disk; they reach ClickHouse even
 * across a crash or a store outage.
 */
export async function startCollector(input: CollectorOptions = {}): Promise<Collector> {
  const parsed = collectorOptionsSchema.safeParse(input)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'options', message: issue.message }))
    throw new CollectorConfigError(`invalid collector options: ${z.prettifyError(parsed.error)}`, { issues })
  }
  const options = parsed.data
  checkDoorOptions(options)
  const maxBufferedBodyBytes = bufferedBodyBound(options)
  const guard = createRequestGuard({ listenHost: options.host, token: options.token })
  // What the log must never show: the token, and the store's password should an error quote its URL.
  const logSecrets = [options.token, storeUrlPassword(options.store)]

  const priceTable = createPriceTable({ file: options.pricesFile })
  const store = await createStore({ url: options.store, requestTimeoutMs: options.storeRequestTimeoutMs })
  const readiness = new StoreReadiness({
    store,
    prepare: async () => {
      await migrate({ store, retentionDays: options.retentionDays })
      await loadPriceRows({ store, table: priceTable })
    },
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    secrets: logSecrets,
  })
  let queue: SegmentQueue | undefined
  let seenSpans: SeenSpans | undefined
  try {
    await readiness.start()
    queue = await SegmentQueue.open({
      dir: path.resolve(options.queueDirectory),
      maxBytes: options.queueMaxBytes,
      segmentMaxRows: options.batchSpans,
      segmentMaxBytes: Math.min(options.batchBytes, options.queueMaxBytes),
      segmentMaxAgeMs: options.batchIntervalMs,
      fsync: options.fsync,
      fsyncIntervalMs: options.fsyncIntervalMs,
    })
    // Opened before the flusher starts: no segment is deleted before its spans are remembered.
    seenSpans = options.dedupWindowMs === 0 ? undefined : await SeenSpans.open({
      dir: path.join(queue.dir, 'seen-spans'),
      windowMs: options.dedupWindowMs,
      maxSpans: options.dedupMaxSpans,
      queuedSegments: queue.sealed(),
    })
  } catch (error) {
    await readiness.stop()
    await queue?.close()
    await store.close()
    throw error
  }
  const openQueue = queue
  const openSeenSpans = seenSpans
  const metrics = new CollectorMetrics()
  const rowBuffers = new RowBufferPool()
  const bodyMemory = new BodyMemoryBudget(maxBufferedBodyBytes)
  metrics.bodyMemory = bodyMemory
  // Reading resumes once the flusher has freed a segment: room for at least a batch of requests.
  const segmentBytes = Math.min(options.batchBytes, options.queueMaxBytes)
  const shedding = new QueueShedding(() => openQueue.stats().bytes, options.queueMaxBytes - segmentBytes)
  const flusher = new QueueFlusher({
    queue: openQueue,
    store,
    metrics,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    deadLetterFile: path.join(openQueue.dir, DEAD_LETTER_FILE_NAME),
    deadLetterMaxBytes: options.deadLetterMaxBytes,
    stuckAfterMs: options.flusherStuckAfterMs,
    // The journal of seen spans is durable before a segment (the other record of them) is deleted.
    beforeAck: openSeenSpans === undefined ? undefined : () => openSeenSpans.beforeAck(),
  })
  let closing = false
  let flushing = false
  // No insert before the migrations have run: a store down at start has no tables yet.
  void readiness.prepared.then(() => {
    if (closing) return
    flusher.start()
    flushing = true
  })

  const server = createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks both deadlines every this often (30 s by default, which let a slow body run 76 s).
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
  }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // The answer says nothing of the error (it may quote the store, its URL or a row); the log has it, redacted.
      // The path is the client's text (it may hold anything, the token too): only a route the collector serves is named.
      const pathname = (request.url ?? '').split('?')[0] ?? ''
      const route = servedPaths.has(pathname) ? pathname : 'a path it does not serve'
      diag.error(`switchyard collector: unexpected error on ${request.method} ${route}: ${errorSummary(error, { secrets: logSecrets })}`)
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end('internal error')
    })
  })
  server.keepAliveTimeout = 65_000
  server.maxConnections = options.maxConnections
  // Without this listener Node answers `100 Continue` at once, inviting the body before the
  // door has looked at the request. The body is invited only past the door and only when it
  // declares a size the collector takes; otherwise the request goes straight to its refusal.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const declaredBytes = Number(request.headers['content-length'] ?? 0)
    if (guard.check(request).allowed && !(declaredBytes > options.maxBodyBytes)) response.writeContinue()
    // A client not invited may still send its body: the connection ends with the answer.
    else response.shouldKeepAlive = false
    server.emit('request', request, response)
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = (request.url ?? '/').split('?')[0]
    const verdict = guard.check(request)
    // /healthz and /readyz stay open to probes without the token, and then say only ok or unavailable (and why not ready).
    if (!verdict.allowed && !(verdict.reason === 'token' && probePaths.has(pathname ?? ''))) {
      if (verdict.reason === 'host') metrics.requestsRefusedHost += 1
      else metrics.requestsRefusedToken += 1
      return sendDoorRefusal({ request, response, verdict, otlp: pathname === '/v1/traces', maxBodyBytes: options.maxBodyBytes })
    }
    if (pathname === '/v1/traces') {
      if (request.method !== 'POST') return sendText(response, 405, 'use POST for /v1/traces', { allow: 'POST' })
      if (closing) return sendText(response, 503, 'collector is shutting down', { 'retry-after': '5', connection: 'close' })
      return receiveTraces({ priceTable, request, response, options, queue: openQueue, shedding, metrics, rowBuffers, bodyMemory, seenSpans: openSeenSpans })
    }
    const probe = request.method === 'GET' || request.method === 'HEAD'
    if (pathname === '/healthz' && probe) {
      return serveHealth({ response, readiness, detailed: verdict.allowed, closing, flusher, queueStats: () => openQueue.stats() })
    }
    if (pathname === '/readyz' && probe) return serveReadiness({ response, readiness, closing })
    if (!readiness.isPrepared && (pathname === '/v1/spend' || pathname === '/v1/report')) {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' })
      response.end(JSON.stringify({ error: 'the store has not answered since the collector started (spans are queued meanwhile): retry later, and check the store with GET /readyz' }))
      return
    }
    if (pathname === '/v1/spend') {
      await serveSpendRequest({ request, response, store, bodyMemory })
      return
    }
    if (pathname === '/v1/report' && request.method === 'GET') {
      // The report for CLIs whose store is embedded in this collector (one process owns it).
      await serveReportRequest({ request, response, store })
      return
    }
    if (pathname === '/metrics' && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      response.end(metrics.render(openQueue.stats(), openSeenSpans?.stats()))
      return
    }
    const allowedMethods = readRouteMethods.get(pathname ?? '')
    if (allowedMethods !== undefined) return sendText(response, 405, `use ${allowedMethods} for ${pathname}`, { allow: allowedMethods })
    // The path is not repeated back: the client has it, and a URL may carry a key into whatever logs the answer.
    sendText(response, 404, `no route for ${request.method} on this path: the collector serves POST /v1/traces, GET or POST /v1/spend, GET /v1/report, GET /healthz, GET /readyz and GET /metrics`)
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    // Not started: nothing may keep running or hold the queue's lock (a retry in this process would find it taken).
    closing = true
    await readiness.stop()
    await flusher.stop()
    await openSeenSpans?.close().catch(() => undefined)
    await openQueue.close().catch(() => undefined)
    await store.close()
    throw error
  }
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  async function drain(timeoutMs = options.shutdownTimeoutMs): Promise<void> {
    await openQueue.sealOpen()
    const deadline = Date.now() + timeoutMs
    while (openQueue.stats().segments > 0 || openQueue.stats().openRows > 0) {
      if (Date.now() > deadline) {
        throw new Error(`queue not drained after ${timeoutMs} ms: ${openQueue.stats().rows} spans still on disk (last store error: ${flusher.lastError ?? 'none'})`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (openQueue.stats().openRows > 0) await openQueue.sealOpen()
    }
  }

  let closed: Promise<void> | undefined
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    options,
    store,
    metrics,
    queue: openQueue,
    get storePrepared() {
      return readiness.isPrepared
    },
    whenStorePrepared: readiness.prepared,
    seenSpans: openSeenSpans,
    drain,
    close() {
      closed ??= (async () => {
        closing = true
        await closeServer(server)
        await readiness.stop()
        try {
          if (flushing) await drain()
          else {
            await openQueue.sealOpen()
            if (openQueue.stats().rows > 0) diag.warn(`switchyard collector: the store ${store.displayUrl} never answered: ${openQueue.stats().rows} spans stay in the queue for the next start`)
          }
        } catch (error) {
          diag.warn(`switchyard collector: ${String(error)}; the rest is replayed at the next start`)
        }
        await flusher.stop()
        await openSeenSpans?.close().catch((error: unknown) => {
          // Its spans stay in the queue's segments only if not yet flushed: the next start may count a re-send again.
          diag.warn(`switchyard collector: cannot close the journal of seen spans: ${String(error)}`)
        })
        await openQueue.close()
        await store.close()
      })()
      return closed
    },
  }
}

/** A collector reachable off loopback without a token is refused unless the caller asked for it, and then said loudly. */
function checkDoorOptions(options: ResolvedCollectorOptions): void {
  if (options.headersTimeoutMs > options.requestTimeoutMs) {
    throw new CollectorConfigError(`headersTimeoutMs (${options.headersTimeoutMs}) must not be over requestTimeoutMs (${options.requestTimeoutMs}): the headers are part of the request`)
  }
  if (options.token !== undefined || isLoopbackHost(options.host)) return
  if (!options.allowUnauthenticated) {
    throw new CollectorConfigError(
      `the collector would listen on ${options.host}, off loopback, without a token: anyone who reaches the port could write spans and read spend. `
      + 'Give it a token (the token option; switchyard collector --token-file <file> or SWITCHYARD_COLLECTOR_TOKEN), '
      + 'or run without authentication on purpose with allowUnauthenticated (--allow-unauthenticated)',
    )
  }
  diag.warn(`switchyard collector: WARNING: listening on ${options.host} WITHOUT AUTHENTICATION (allowUnauthenticated): anyone who can reach this port can write spans and read spend and reports`)
}

/** The bound on body bytes held by all requests being read; one request alone, compressed and decompressed, must fit. */
function bufferedBodyBound(options: ResolvedCollectorOptions): number {
  const oneRequest = 2 * options.maxBodyBytes
  if (options.maxBufferedBodyBytes === undefined) return Math.max(64 * 1024 * 1024, oneRequest)
  if (options.maxBufferedBodyBytes < oneRequest) {
    throw new CollectorConfigError(`maxBufferedBodyBytes (${options.maxBufferedBodyBytes}) must be at least twice maxBodyBytes (${options.maxBodyBytes}): a compressed body and its decompressed bytes are held together, and a request that can never fit would be refused forever`)
  }
  return options.maxBufferedBodyBytes
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  response.end(text)
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 5_000).unref()
  })
}
