import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { diag } from '@opentelemetry/api'
import type { Store } from '../store/create-store.js'
import type { CollectorMetrics } from './collector-metrics.js'
import type { CollectorOptions, ResolvedCollectorOptions } from './collector-options.js'
import type { SegmentQueue } from './queue/segment-queue.js'
import type { SeenSpans } from './span-dedup/seen-spans.js'
import { isLoopbackHost } from './is-loopback-host.js'
import { createRequestGuard, sendDoorRefusal } from './request-guard.js'
import { CollectorConfigError } from './collector-config-error.js'
import { openCollectorPipeline } from './open-collector-pipeline.js'
import { resolveCollectorOptions } from './resolve-collector-options.js'
import { serveUi } from '../ui/serve-ui.js'

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

/** Probes reach these without the token, and then learn only the status (and, for /readyz, its reason). */
const probePaths: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

export { CollectorConfigError }

/**
 * Start the OTLP/HTTP receiver: open the collector's pipeline (openCollectorPipeline:
 * the store, migrated once it answers, the write-ahead queue, replayed, the dedup
 * journal and the flusher), then listen, with the door in front of its routes (the
 * Host check on loopback and the bearer token; see createRequestGuard). A store that
 * does not answer at start does not stop it: spans are taken into the queue, the store
 * is retried with backoff, and the migrations run and the flusher starts once it
 * answers (see StoreReadiness). A `200` from `POST /v1/traces` means the spans are on
 * disk; they reach ClickHouse even across a crash or a store outage. A process that
 * owns its own server (the gateway) opens the pipeline itself and mounts its routes.
 */
export async function startCollector(input: CollectorOptions = {}): Promise<Collector> {
  const options = resolveCollectorOptions(input)
  checkDoorOptions(options)
  const guard = createRequestGuard({ listenHost: options.host, token: options.token })
  const pipeline = await openCollectorPipeline(options)
  const { metrics } = pipeline

  const server = createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks both deadlines every this often (30 s by default, which let a slow body run 76 s).
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
  }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // The pipeline answers its own errors; this is the door's, which should have none.
      diag.error(`switchyard collector: unexpected error at the door: ${error instanceof Error ? error.name : 'unknown'}`)
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
    if (await pipeline.handle(request, response, { detailed: verdict.allowed })) return
    // The web view, behind the same door (a browser on loopback; scripts with the token).
    if (await serveUi(request, response, { store: pipeline.store })) return
    // The path is not repeated back: the client has it, and a URL may carry a key into whatever logs the answer.
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    response.end(`no route for ${request.method} on this path: the collector serves POST /v1/traces, GET or POST /v1/spend, GET /v1/report, GET /healthz, GET /readyz and GET /metrics`)
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
    await pipeline.close({ flush: false })
    throw error
  }
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  let closed: Promise<void> | undefined
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    options: pipeline.options,
    store: pipeline.store,
    metrics,
    queue: pipeline.queue,
    get storePrepared() {
      return pipeline.storePrepared
    },
    whenStorePrepared: pipeline.whenStorePrepared,
    seenSpans: pipeline.seenSpans,
    drain: (timeoutMs) => pipeline.drain(timeoutMs),
    close() {
      closed ??= (async () => {
        pipeline.stopAccepting()
        await closeServer(server)
        await pipeline.close()
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 5_000).unref()
  })
}
