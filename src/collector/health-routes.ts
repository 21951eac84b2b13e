import type { ServerResponse } from 'node:http'
import type { FlusherHealth } from './queue-flusher.js'
import type { SegmentQueueStats } from './queue/segment-queue-stats.js'
import type { StoreReadiness } from './store-readiness.js'

export interface HealthRouteOptions {
  response: ServerResponse
  readiness: StoreReadiness
  /** The caller passed the door (or none is set): the answer may show the details. */
  detailed: boolean
  closing: boolean
  flusher: { health(): FlusherHealth; readonly lastError: string | undefined }
  queueStats: () => SegmentQueueStats
}

/**
 * `GET /healthz`, liveness: the process serves and its queue takes spans. 503 only while
 * shutting down or when the flusher is stuck (its oldest batch has failed for
 * `flusherStuckAfterMs`): a store that is down is not a reason to restart the collector,
 * which keeps queueing; `/readyz` says that. The details (store, last store error,
 * flusher, queue) are for callers past the door; probes without the token get the
 * status alone.
 */
export async function serveHealth(options: HealthRouteOptions): Promise<void> {
  const { response, readiness, detailed, closing, flusher, queueStats } = options
  // The store's state first: the flusher's is read after it, the later of the two.
  const answers = detailed ? await readiness.ping() : undefined
  const flusherHealth = flusher.health()
  const healthy = !closing && !flusherHealth.stuck
  let body: Record<string, unknown> = { status: healthy ? 'ok' : 'unavailable' }
  if (detailed) {
    body = {
      ...body,
      store: !answers ? 'unreachable' : readiness.isPrepared ? 'ok' : 'not-prepared',
      // Row-free: the error's ClickHouse name and code, never the rows its message quotes.
      lastStoreError: flusher.lastError ?? null,
      flusher: flusherHealth,
      queue: queueStats(),
    }
  }
  sendJson(response, healthy ? 200 : 503, body)
}

/**
 * `GET /readyz`, readiness: the store answers and has been brought to the collector's
 * schema, so what is accepted now reaches it. 503 with the reason otherwise (and while
 * shutting down); the reason is the collector's own words, never the store's.
 */
export async function serveReadiness(options: Pick<HealthRouteOptions, 'response' | 'readiness' | 'closing'>): Promise<void> {
  const { response, readiness, closing } = options
  if (closing) return sendJson(response, 503, { status: 'unavailable', reason: 'the collector is shutting down' })
  const verdict = await readiness.check()
  if (verdict.ready) return sendJson(response, 200, { status: 'ok' })
  sendJson(response, 503, { status: 'unavailable', reason: verdict.reason })
}

function sendJson(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}
