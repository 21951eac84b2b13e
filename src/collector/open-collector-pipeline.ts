import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { diag } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createPriceTable } from '../pricing/create-price-table.js'
import { errorSummary } from '../shared/error-summary.js'
import { createStore, type Store } from '../store/create-store.js'
import { loadPriceRows } from '../store/load-price-rows.js'
import { migrate } from '../store/migrate.js'
import { storeUrlPassword } from '../store/store-url.js'
import type { TraceIntake } from './accept-trace-body.js'
import { BodyMemoryBudget } from './body-memory-budget.js'
import { CollectorConfigError } from './collector-config-error.js'
import { CollectorMetrics } from './collector-metrics.js'
import type { CollectorOptions, ResolvedCollectorOptions } from './collector-options.js'
import { DEAD_LETTER_FILE_NAME } from './dead-letter-file.js'
import { ingestSpans, type IngestOutcome } from './ingest-spans.js'
import { SegmentQueue } from './queue/segment-queue.js'
import { QueueFlusher } from './queue-flusher.js'
import { QueueShedding } from './queue-shedding.js'
import { resolveCollectorOptions } from './resolve-collector-options.js'
import { RowBufferPool } from './row-buffer-pool.js'
import { collectorPaths, serveCollectorRoute, type CollectorRouteContext } from './serve-collector-route.js'
import { SeenSpans } from './span-dedup/seen-spans.js'
import { StoreReadiness } from './store-readiness.js'

export type { IngestOutcome }

/**
 * The collector without a listener: the store (with its readiness), the write-ahead
 * queue, the dedup set, the flusher, and the collector's routes for a server that
 * someone else owns. `startCollector` is one of these plus its own listener and door;
 * the gateway runs one in its own process, mounting `handle` and exporting its spans
 * through `ingest` (InProcessSpanExporter), so one command is the whole stack.
 */
export interface CollectorPipeline {
  readonly options: ResolvedCollectorOptions
  readonly store: Store
  readonly metrics: CollectorMetrics
  readonly queue: SegmentQueue
  /** The spans accepted within the dedup window; undefined when dedupWindowMs is 0. */
  readonly seenSpans: SeenSpans | undefined
  /** The store answered and was migrated: the flusher writes. False while a store that was down at start has not answered. */
  readonly storePrepared: boolean
  /** Resolves once the store is migrated (at once when it answered at start); stays pending while it never answers. */
  readonly whenStorePrepared: Promise<void>
  /**
   * Serve the collector's routes (POST /v1/traces, GET|POST /v1/spend, GET /v1/report,
   * GET /healthz, GET /readyz, GET /metrics) for a server someone else owns. Does NOT
   * check the token or the Host: the owner does. Returns false (without answering) for a
   * path it does not serve, so the owner can answer 404 in its own format. Never rejects:
   * an unexpected error is logged (redacted) and answered 500. `detailed` (default true)
   * lets /healthz show its details; pass false for a probe that did not pass the door.
   */
  handle(request: IncomingMessage, response: ServerResponse, options?: { detailed?: boolean }): Promise<boolean>
  /** The collector's Prometheus text (for the owner's /metrics to include). */
  renderMetrics(): string
  /**
   * Take finished spans from this process straight into the queue, through the same
   * validation, pricing at ingest and dedup as POST /v1/traces (see ingestSpans).
   * Rejects with nothing stored when the queue cannot take them now (QueueFullError,
   * QueueClosedError once closing, ...).
   */
  ingest(spans: readonly ReadableSpan[]): Promise<IngestOutcome>
  /** Resolves when everything accepted so far is in ClickHouse (or rejects after timeoutMs). */
  drain(timeoutMs?: number): Promise<void>
  /** Refuse new spans from now on (exports get 503, ingest rejects, probes say so), before the owner closes its server. */
  stopAccepting(): void
  /**
   * Stop accepting, flush (bounded by shutdownTimeoutMs), close the store. What is not
   * flushed stays in the queue for the next start. `flush: false` skips the flush (a
   * start that failed after opening the pipeline).
   */
  close(options?: { flush?: boolean }): Promise<void>
}

/**
 * Open the collector's pipeline: migrate the store, open (and replay) the write-ahead
 * queue and the dedup journal, and start the flusher. A store that does not answer at
 * start does not stop it: spans are taken into the queue, the store is retried with
 * backoff, and the migrations run and the flusher starts once it answers (see
 * StoreReadiness). What `handle` acknowledges or `ingest` resolves is on disk, and
 * reaches ClickHouse even across a crash or a store outage. The listener options
 * (host, port, token, timeouts) are the owner's and are not read here.
 */
export async function openCollectorPipeline(input: CollectorOptions = {}): Promise<CollectorPipeline> {
  const options = resolveCollectorOptions(input)
  const bodyMemory = new BodyMemoryBudget(bufferedBodyBound(options))
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
  const { queue, seenSpans } = await openQueueAndSeenSpans(options, readiness, store)
  const metrics = new CollectorMetrics()
  metrics.bodyMemory = bodyMemory
  // Reading resumes once the flusher has freed a segment: room for at least a batch of requests.
  const segmentBytes = Math.min(options.batchBytes, options.queueMaxBytes)
  const shedding = new QueueShedding(() => queue.stats().bytes, options.queueMaxBytes - segmentBytes)
  const intake: TraceIntake = { priceTable, options, queue, shedding, metrics, rowBuffers: new RowBufferPool(), seenSpans }
  const flusher = new QueueFlusher({
    queue,
    store,
    metrics,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    deadLetterFile: path.join(queue.dir, DEAD_LETTER_FILE_NAME),
    deadLetterMaxBytes: options.deadLetterMaxBytes,
    stuckAfterMs: options.flusherStuckAfterMs,
    // The journal of seen spans is durable before a segment (the other record of them) is deleted.
    beforeAck: seenSpans === undefined ? undefined : () => seenSpans.beforeAck(),
  })
  return new OpenedPipeline({ options, store, readiness, queue, seenSpans, metrics, intake, flusher, bodyMemory, logSecrets })
}

interface PipelineParts {
  options: ResolvedCollectorOptions
  store: Store
  readiness: StoreReadiness
  queue: SegmentQueue
  seenSpans: SeenSpans | undefined
  metrics: CollectorMetrics
  intake: TraceIntake
  flusher: QueueFlusher
  bodyMemory: BodyMemoryBudget
  /** What the log must never show. */
  logSecrets: Array<string | undefined>
}

/** The pipeline once its parts are open: it owns them until close. */
class OpenedPipeline implements CollectorPipeline {
  readonly options: ResolvedCollectorOptions
  readonly store: Store
  readonly metrics: CollectorMetrics
  readonly queue: SegmentQueue
  readonly seenSpans: SeenSpans | undefined
  readonly whenStorePrepared: Promise<void>
  readonly #parts: PipelineParts
  readonly #routes: CollectorRouteContext
  /** `closing` is read by ingestSpans: no span is taken once it is set. */
  readonly #state = { closing: false, flushing: false }
  /** Ingests in flight when closing begins finish before the flush, as requests in flight do before the server closes. */
  readonly #ingests = new Set<Promise<unknown>>()
  #closed: Promise<void> | undefined

  constructor(parts: PipelineParts) {
    this.#parts = parts
    this.options = parts.options
    this.store = parts.store
    this.metrics = parts.metrics
    this.queue = parts.queue
    this.seenSpans = parts.seenSpans
    this.whenStorePrepared = parts.readiness.prepared
    this.#routes = {
      intake: parts.intake,
      store: parts.store,
      readiness: parts.readiness,
      bodyMemory: parts.bodyMemory,
      flusher: parts.flusher,
      isClosing: () => this.#state.closing,
      renderMetrics: () => this.renderMetrics(),
    }
    // The owner may pass these on unbound (`server.on('request', ...)`, an exporter's callback).
    this.handle = this.handle.bind(this)
    this.ingest = this.ingest.bind(this)
    this.renderMetrics = this.renderMetrics.bind(this)
    this.drain = this.drain.bind(this)
    this.stopAccepting = this.stopAccepting.bind(this)
    this.close = this.close.bind(this)
    // No insert before the migrations have run: a store down at start has no tables yet.
    void parts.readiness.prepared.then(() => {
      if (this.#state.closing) return
      parts.flusher.start()
      this.#state.flushing = true
    })
  }

  get storePrepared(): boolean {
    return this.#parts.readiness.isPrepared
  }

  async handle(request: IncomingMessage, response: ServerResponse, options?: { detailed?: boolean }): Promise<boolean> {
    try {
      return await serveCollectorRoute(this.#routes, { request, response, detailed: options?.detailed ?? true })
    } catch (error) {
      // The answer says nothing of the error (it may quote the store, its URL or a row); the log has it, redacted.
      // The path is the client's text (it may hold anything, the token too): only a route the collector serves is named.
      const pathname = (request.url ?? '').split('?')[0] ?? ''
      const route = collectorPaths.has(pathname) ? pathname : 'a path it does not serve'
      diag.error(`switchyard collector: unexpected error on ${request.method} ${route}: ${errorSummary(error, { secrets: this.#parts.logSecrets })}`)
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end('internal error')
      return true
    }
  }

  renderMetrics(): string {
    return this.metrics.render(this.queue.stats(), this.seenSpans?.stats())
  }

  ingest(spans: readonly ReadableSpan[]): Promise<IngestOutcome> {
    const ingested = ingestSpans(this.#parts.intake, spans, this.#state)
    const settled = ingested.catch(() => undefined)
    this.#ingests.add(settled)
    void settled.then(() => this.#ingests.delete(settled))
    return ingested
  }

  async drain(timeoutMs = this.options.shutdownTimeoutMs): Promise<void> {
    const { queue } = this
    await queue.sealOpen()
    const deadline = Date.now() + timeoutMs
    while (queue.stats().segments > 0 || queue.stats().openRows > 0) {
      if (Date.now() > deadline) {
        throw new Error(`queue not drained after ${timeoutMs} ms: ${queue.stats().rows} spans still on disk (last store error: ${this.#parts.flusher.lastError ?? 'none'})`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (queue.stats().openRows > 0) await queue.sealOpen()
    }
  }

  stopAccepting(): void {
    this.#state.closing = true
  }

  close(options?: { flush?: boolean }): Promise<void> {
    this.#closed ??= this.#close(options?.flush ?? true)
    return this.#closed
  }

  async #close(flush: boolean): Promise<void> {
    const { readiness, flusher, queue, seenSpans, store } = this.#parts
    this.#state.closing = true
    await Promise.all([...this.#ingests])
    await readiness.stop()
    if (flush) await this.#flushForClose()
    await flusher.stop()
    await seenSpans?.close().catch((error: unknown) => {
      // Its spans stay in the queue's segments only if not yet flushed: the next start may count a re-send again.
      if (flush) diag.warn(`switchyard collector: cannot close the journal of seen spans: ${String(error)}`)
    })
    if (flush) await queue.close()
    else await queue.close().catch(() => undefined)
    await store.close()
  }

  /** Drain within shutdownTimeoutMs; what is left stays in the queue for the next start. */
  async #flushForClose(): Promise<void> {
    const { queue, store } = this
    try {
      if (this.#state.flushing) await this.drain()
      else {
        await queue.sealOpen()
        if (queue.stats().rows > 0) diag.warn(`switchyard collector: the store ${store.displayUrl} never answered: ${queue.stats().rows} spans stay in the queue for the next start`)
      }
    } catch (error) {
      diag.warn(`switchyard collector: ${String(error)}; the rest is replayed at the next start`)
    }
  }
}

/** The queue, replayed, and the journal of seen spans; on failure nothing is left open. */
async function openQueueAndSeenSpans(options: ResolvedCollectorOptions, readiness: StoreReadiness, store: Store): Promise<{ queue: SegmentQueue; seenSpans: SeenSpans | undefined }> {
  let queue: SegmentQueue | undefined
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
    const seenSpans = options.dedupWindowMs === 0 ? undefined : await SeenSpans.open({
      dir: path.join(queue.dir, 'seen-spans'),
      windowMs: options.dedupWindowMs,
      maxSpans: options.dedupMaxSpans,
      queuedSegments: queue.sealed(),
    })
    return { queue, seenSpans }
  } catch (error) {
    await readiness.stop()
    await queue?.close()
    await store.close()
    throw error
  }
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
