import type { IncomingMessage, ServerResponse } from 'node:http'
import { diag } from '@opentelemetry/api'
import type { PriceTable } from '../pricing/price-table.js'
import type { CollectorMetrics } from './collector-metrics.js'
import type { ResolvedCollectorOptions } from './collector-options.js'
import { encodeErrorStatus, grpcCode } from './error-status.js'
import { decodeTraceRequestJson } from './otlp/decode-json.js'
import { decodeTraceRequestProtobuf, OtlpDecodeError } from './otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from './otlp/encode-rows.js'
import { EncodedRowsTooLargeError } from './otlp/encoded-rows-too-large-error.js'
import { encodeExportResponse } from './otlp/encode-response.js'
import { priceAtIngest } from './price-at-ingest.js'
import { QueueFullError, RecordTooLargeError } from './queue/queue-errors.js'
import type { QueueShedding } from './queue-shedding.js'
import type { BodyMemoryBudget } from './body-memory-budget.js'
import type { SegmentQueue } from './queue/segment-queue.js'
import { readRequestBody, RequestBodyError } from './read-request-body.js'
import type { RowBufferPool } from './row-buffer-pool.js'
import type { SeenSpans } from './span-dedup/seen-spans.js'
import type { SpanReservation } from './span-dedup/span-reservation.js'

type Encoding = 'protobuf' | 'json'

const contentTypes: Record<Encoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
}

export interface ReceiveTracesOptions {
  priceTable: PriceTable
  request: IncomingMessage
  response: ServerResponse
  options: ResolvedCollectorOptions
  queue: SegmentQueue
  /** Refuses requests unread while the queue is full on disk. */
  shedding: QueueShedding
  metrics: CollectorMetrics
  /** Memory for each request's encoded rows, given back once its append settles. */
  rowBuffers: RowBufferPool
  /** The bound on body bytes held by all requests being read at once. */
  bodyMemory: BodyMemoryBudget
  /** Spans accepted within the dedup window; undefined when deduplication is off. */
  seenSpans?: SeenSpans
}

/**
 * `POST /v1/traces` per OTLP/HTTP: decode, convert to `otel_traces` rows, append to
 * the write-ahead queue, and answer in the request's encoding. Invalid spans are
 * dropped with a partial-success count, and a request of which no span is valid is a 400
 * that says why (an empty request is a 200); a malformed body is a 400, an oversized one
 * a 413, a full queue a 503 with Retry-After (unread, while the queue stays full).
 * Only what is on disk is acknowledged.
 */
export async function receiveTraces({ priceTable, request, response, options, queue, shedding, metrics, rowBuffers, bodyMemory, seenSpans }: ReceiveTracesOptions): Promise<void> {
  metrics.requestsTotal += 1
  const encoding = requestEncoding(request.headers['content-type'])
  if (encoding === undefined) {
    return refuse(response, metrics, {
      status: 415,
      encoding: 'json',
      grpc: grpcCode.invalidArgument,
      message: `content-type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported: send application/x-protobuf or application/json`,
    })
  }

  const shedRetryAfterMs = shedding.refuseFor()
  if (shedRetryAfterMs !== undefined) {
    // Node discards the unread body once the answer is sent and keeps the connection,
    // unless the body is over the limit or of unknown length (chunked): Node would read
    // that one to its end, however long, so the connection is closed instead.
    metrics.queueFullResponses += 1
    metrics.requestsShed += 1
    const declaredBytes = Number(request.headers['content-length'])
    const close = !(Number.isFinite(declaredBytes) && declaredBytes <= options.maxBodyBytes)
    return refuseQueueFull(response, metrics, { encoding, retryAfterMs: shedRetryAfterMs, what: `the collector's queue is full (${queue.stats().bytes} of ${options.queueMaxBytes} bytes)`, close })
  }

  // The body's bytes count against the bound shared by every request being read, from
  // what it declares up front to what it holds once decompressed. The lease is given
  // back once the body is dropped, or when the answer goes out on any other path.
  const memory = bodyMemory.lease()
  response.once('close', () => memory.release())
  const declaredBodyBytes = Number(request.headers['content-length'])
  if (Number.isFinite(declaredBodyBytes) && declaredBodyBytes <= options.maxBodyBytes && !memory.holdAtLeast(declaredBodyBytes)) {
    // Unread, as when shedding for a full queue: Node discards a body of this size and keeps the connection.
    metrics.requestsShedForMemory += 1
    return refuseQueueFull(response, metrics, { encoding, retryAfterMs: 1_000, what: `the collector holds as many request bodies in memory as it may (${bodyMemory.heldBytes} of ${bodyMemory.maxBytes} bytes)` })
  }

  let body: Buffer | undefined
  try {
    body = await readRequestBody(request, { maxBytes: options.maxBodyBytes, memory })
  } catch (error) {
    if (error instanceof RequestBodyError && error.retryAfterMs !== undefined) {
      // Cut mid-read: the rest of the body is unread, so the connection goes.
      metrics.requestsShedForMemory += 1
      return refuseQueueFull(response, metrics, { encoding, retryAfterMs: error.retryAfterMs, what: error.message, close: true })
    }
    const status = error instanceof RequestBodyError ? error.status : 400
    return refuse(response, metrics, {
      status,
      encoding,
      grpc: status === 413 ? grpcCode.resourceExhausted : grpcCode.invalidArgument,
      message: error instanceof Error ? error.message : String(error),
      close: status === 413,
    })
  }

  let batch: EncodedBatch
  try {
    batch = encodeBatch({ body, encoding, options, priceTable, metrics, rowBuffers, seenSpans })
  } catch (error) {
    if (error instanceof EncodedRowsTooLargeError) {
      return refuse(response, metrics, {
        status: 413,
        encoding,
        grpc: grpcCode.resourceExhausted,
        message: `the request's ${error.rows} spans take more than the batch limit of ${error.maxBytes} bytes as rows (every span repeats its resource's attributes): send fewer spans per request, or smaller resource attributes`,
      })
    }
    if (!(error instanceof OtlpDecodeError)) throw error
    return refuse(response, metrics, {
      status: 400,
      encoding,
      grpc: grpcCode.invalidArgument,
      message: `malformed OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} trace request: ${error.message}`,
    })
  }
  if (batch.noneValid) {
    // As the reference receiver answers a request it cannot take: a 400 that says why, which
    // the exporter does not retry. Partial success is for requests with something stored.
    return refuse(response, metrics, {
      status: 400,
      encoding,
      grpc: grpcCode.invalidArgument,
      message: `no span of the request is valid, so nothing is stored (${batch.rejected} refused): ${batch.errors.join('; ')}`,
    })
  }
  // From here on only the encoded rows are needed. The request's bytes and its decoded
  // rows (several times the encoded size) are not held while the append waits for its
  // fsync, beside every other request of a burst waiting for the same one.
  body = undefined
  memory.release()

  if (batch.rows > 0) {
    try {
      await queue.append(batch.encoded, batch.rows)
    } catch (error) {
      // Not on disk: the spans are not remembered, so the client's retry is taken.
      batch.reservation?.release()
      if (error instanceof RecordTooLargeError) {
        return refuse(response, metrics, {
          status: 413,
          encoding,
          grpc: grpcCode.resourceExhausted,
          message: `the request's ${batch.rows} spans take ${error.recordBytes} bytes as rows, over the batch limit of ${error.segmentMaxBytes}: send smaller requests`,
        })
      }
      if (error instanceof QueueFullError) {
        metrics.queueFullResponses += 1
        if (error.resource === 'disk') shedding.queueFull(error.retryAfterMs)
        return refuseQueueFull(response, metrics, { encoding, retryAfterMs: error.retryAfterMs, what: `the collector's queue is full (${error.bytes} of ${error.maxBytes} bytes)` })
      }
      diag.error(`switchyard collector: cannot write to the queue: ${String(error)}`)
      return refuse(response, metrics, {
        status: 503,
        encoding,
        grpc: grpcCode.unavailable,
        message: 'the collector cannot write its queue right now: retry later',
        headers: { 'retry-after': '5' },
      })
    } finally {
      // The queue reads the rows until the append settles, and never after.
      rowBuffers.release(batch.encoded)
    }
    metrics.spansAccepted += batch.rows
  }
  batch.reservation?.commit()
  // Spans left out because a request in flight was appending them: this answer must not
  // say they are stored unless that append succeeded.
  if (batch.reservation?.waitsForOthers === true && !(await batch.reservation.othersAccepted())) {
    return refuse(response, metrics, {
      status: 503,
      encoding,
      grpc: grpcCode.unavailable,
      message: 'some spans of this request were being written by another request, which failed: send the request again',
      headers: { 'retry-after': '1' },
    })
  }

  // Messages without rejected spans say what was dropped from kept spans (OTLP allows a warning so).
  const partial = batch.rejected > 0 || batch.errors.length > 0
    ? { rejectedSpans: batch.rejected, errorMessage: batch.errors.join('; ') }
    : undefined
  response.writeHead(200, { 'content-type': contentTypes[encoding] })
  response.end(encodeExportResponse({ encoding, partialSuccess: partial }))
}

/** A request's accepted spans as queue rows, and what was refused. */
interface EncodedBatch {
  /** JSONCompactEachRow rows; empty when no span was accepted. */
  encoded: Buffer
  rows: number
  rejected: number
  errors: string[]
  /** The claim on the spans' ids: committed once the rows are on disk, released if not. */
  reservation?: SpanReservation
  /** The request held spans and every one was refused: answered 400, not a partial success. */
  noneValid?: boolean
}

/**
 * Decode, price and encode one request, synchronously: its decoded rows live only
 * inside this call. Throws OtlpDecodeError for a malformed body, EncodedRowsTooLargeError
 * for rows past the batch limit.
 */
function encodeBatch(options: { body: Buffer; encoding: Encoding; options: ResolvedCollectorOptions; priceTable: PriceTable; metrics: CollectorMetrics; rowBuffers: RowBufferPool; seenSpans: SeenSpans | undefined }): EncodedBatch {
  const { body, encoding, priceTable, metrics, rowBuffers } = options
  const limits = { maxAttributeValueBytes: options.options.maxAttributeValueBytes, maxSpans: options.options.maxSpansPerRequest }
  const decoded = encoding === 'protobuf'
    ? decodeTraceRequestProtobuf(body, limits)
    : decodeTraceRequestJson(body.toString('utf8'), limits)
  metrics.spansReceived += decoded.rows.length + decoded.rejected
  metrics.spansRejected += decoded.rejected
  metrics.spanPartsDropped += decoded.dropped
  if (decoded.rows.length === 0 && decoded.rejected > 0) {
    return { encoded: Buffer.alloc(0), rows: 0, rejected: decoded.rejected, errors: decoded.errors, noneValid: true }
  }
  // Spans accepted before (a client's re-send) or twice in this request go no further.
  const reservation = options.seenSpans?.reserve(decoded.rows)
  const rows = reservation?.takeRows() ?? decoded.rows
  metrics.spansDeduplicated += reservation?.duplicates ?? 0
  if (rows.length > 0) {
    try {
      const pricing = priceAtIngest(rows, priceTable)
      metrics.spansPricedAtIngest += pricing.priced
      metrics.spendAttributesRejected += pricing.rejected
    } catch (error) {
      // Pricing is an enrichment: a failure must not lose the spans.
      diag.warn(`switchyard collector: pricing at ingest failed: ${String(error)}`)
    }
  }
  // Bounded while encoding by what one queue record may hold (the queue's segmentMaxBytes):
  // rows repeat their resource's attributes, so a small request can ask for gigabytes.
  const maxBytes = Math.min(options.options.batchBytes, options.options.queueMaxBytes)
  let encoded: Buffer
  try {
    encoded = rows.length > 0
      ? encodeRowsJsonCompact(rows, { allocate: (bytes) => rowBuffers.acquire(bytes), maxBytes })
      : Buffer.alloc(0)
  } catch (error) {
    reservation?.release()
    throw error
  }
  return { encoded, rows: rows.length, rejected: decoded.rejected, errors: decoded.errors, reservation }
}

function requestEncoding(contentType: string | undefined): Encoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf'
  if (mediaType === 'application/json') return 'json'
  return undefined
}

function refuseQueueFull(
  response: ServerResponse,
  metrics: CollectorMetrics,
  refusal: { encoding: Encoding; retryAfterMs: number; what: string; close?: boolean },
): void {
  const retryAfterSeconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))
  refuse(response, metrics, {
    status: 503,
    encoding: refusal.encoding,
    grpc: grpcCode.unavailable,
    message: `${refusal.what}: retry after ${retryAfterSeconds} s`,
    headers: { 'retry-after': String(retryAfterSeconds) },
    close: refusal.close,
  })
}

function refuse(
  response: ServerResponse,
  metrics: CollectorMetrics,
  refusal: { status: number; encoding: Encoding; grpc: number; message: string; headers?: Record<string, string>; close?: boolean },
): void {
  metrics.requestsRejected += 1
  const headers: Record<string, string> = { 'content-type': contentTypes[refusal.encoding], ...refusal.headers }
  if (refusal.close) headers.connection = 'close'
  response.writeHead(refusal.status, headers)
  response.end(encodeErrorStatus({ contentType: refusal.encoding, grpcCode: refusal.grpc, message: refusal.message }))
}
