import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '../store/create-store.js'
import type { TraceIntake } from './accept-trace-body.js'
import type { BodyMemoryBudget } from './body-memory-budget.js'
import { serveHealth, serveReadiness } from './health-routes.js'
import type { FlusherHealth } from './queue-flusher.js'
import { receiveTraces } from './receive-traces.js'
import { serveReportRequest } from './report-route.js'
import { serveSpendRequest } from './spend-route.js'
import type { StoreReadiness } from './store-readiness.js'

/** The paths the collector serves; a log line names no other (the client chose its text). */
export const collectorPaths: ReadonlySet<string> = new Set(['/v1/traces', '/healthz', '/readyz', '/v1/spend', '/v1/report', '/metrics'])

/** The read-only routes and their methods: another method on them is a 405 that says which, not a 404. */
const readRouteMethods = new Map([['/v1/report', 'GET'], ['/metrics', 'GET'], ['/healthz', 'GET, HEAD'], ['/readyz', 'GET, HEAD']])

/** What the routes read of a pipeline. */
export interface CollectorRouteContext {
  intake: TraceIntake
  store: Store
  readiness: StoreReadiness
  bodyMemory: BodyMemoryBudget
  flusher: { health(): FlusherHealth; readonly lastError: string | undefined }
  /** True once the pipeline stopped taking spans: exports get a 503, probes say so. */
  isClosing(): boolean
  renderMetrics(): string
}

/**
 * Answer one request on a collector path, past whatever door its server keeps: the
 * routing that `startCollector`'s own listener and a server mounting the pipeline (the
 * gateway) share. Returns false, without answering, for a path the collector does not
 * serve, so the owner answers 404 in its own format; a served path with another method
 * is a 405 that names the methods. `detailed` says whether `/healthz` may show its
 * details (the caller passed the door); a mounted pipeline's owner has checked it.
 */
export async function serveCollectorRoute(context: CollectorRouteContext, exchange: { request: IncomingMessage; response: ServerResponse; detailed: boolean }): Promise<boolean> {
  const { request, response, detailed } = exchange
  const pathname = (request.url ?? '/').split('?')[0] ?? ''
  if (!collectorPaths.has(pathname)) return false
  const { intake, store, readiness } = context
  if (pathname === '/v1/traces') {
    if (request.method !== 'POST') sendText(response, 405, 'use POST for /v1/traces', { allow: 'POST' })
    else if (context.isClosing()) sendText(response, 503, 'collector is shutting down', { 'retry-after': '5', connection: 'close' })
    else await receiveTraces({ intake, request, response, bodyMemory: context.bodyMemory })
    return true
  }
  const probe = request.method === 'GET' || request.method === 'HEAD'
  if (pathname === '/healthz' && probe) {
    await serveHealth({ response, readiness, detailed, closing: context.isClosing(), flusher: context.flusher, queueStats: () => intake.queue.stats() })
    return true
  }
  if (pathname === '/readyz' && probe) {
    await serveReadiness({ response, readiness, closing: context.isClosing() })
    return true
  }
  if (!readiness.isPrepared && (pathname === '/v1/spend' || pathname === '/v1/report')) {
    response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' })
    response.end(JSON.stringify({ error: 'the store has not answered since the collector started (spans are queued meanwhile): retry later, and check the store with GET /readyz' }))
    return true
  }
  if (pathname === '/v1/spend') {
    await serveSpendRequest({ request, response, store, bodyMemory: context.bodyMemory })
    return true
  }
  if (pathname === '/v1/report' && request.method === 'GET') {
    // The report for CLIs whose store is embedded in this collector (one process owns it).
    await serveReportRequest({ request, response, store })
    return true
  }
  if (pathname === '/metrics' && request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    response.end(context.renderMetrics())
    return true
  }
  const allowedMethods = readRouteMethods.get(pathname) ?? 'GET'
  sendText(response, 405, `use ${allowedMethods} for ${pathname}`, { allow: allowedMethods })
  return true
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  response.end(text)
}
