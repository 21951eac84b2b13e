import { diag } from '@opentelemetry/api'
import type { SwitchyardError } from '../errors/switchyard-error.js'
import type { PriceTable } from '../pricing/price-table.js'
import type { CollectorMetrics } from './collector-metrics.js'
import type { ResolvedCollectorOptions } from './collector-options.js'
import { grpcCode } from './error-status.js'
import { decodeTraceRequestJson } from './otlp/decode-json.js'
import { decodeTraceRequestProtobuf, OtlpDecodeError, type DecodeLimits, type DecodeResult } from './otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from './otlp/encode-rows.js'
import { EncodedRowsTooLargeError } from './otlp/encoded-rows-too-large-error.js'
import { priceAtIngest } from './price-at-ingest.js'
import { QueueFullError, RecordTooLargeError } from './queue/queue-errors.js'
import type { QueueShedding } from './queue-shedding.js'
import type { SegmentQueue } from './queue/segment-queue.js'
import type { RowBufferPool } from './row-buffer-pool.js'
import type { SeenSpans } from './span-dedup/seen-spans.js'
import type { SpanReservation } from './span-dedup/span-reservation.js'
import { SpansOfAnotherExportLostError } from './spans-of-another-export-lost-error.js'

export type TraceBodyEncoding = 'protobuf' | 'json'

/**
 * One export's body. `bytes` is dropped (set undefined) and `release` called once the
 * rows are encoded: the body is not held while the append waits for its fsync.
 */
export interface TraceBody {
  bytes: Uint8Array | undefined
  encoding: TraceBodyEncoding
  release?: () => void
  /** Spans of this process already read into rows (src/collector/readable-span-rows.ts): used instead of decoding `bytes`. */
  decoded?: DecodeResult
}

/** What the pipeline holds that every export, from the network or from this process, goes through. */
export interface TraceIntake {
  priceTable: PriceTable
  options: ResolvedCollectorOptions
  queue: SegmentQueue
  /** Told when an append finds the queue full on disk, so the next exports are refused before any work. */
  shedding: QueueShedding
  metrics: CollectorMetrics
  /** Memory for each export's encoded rows, given back once its append settles. */
  rowBuffers: RowBufferPool
  /** Spans accepted within the dedup window; undefined when deduplication is off. */
  seenSpans: SeenSpans | undefined
}

/** The export's spans are on disk (those that were valid and not sent before). */
export interface TraceBodyStored {
  stored: true
  /** Spans appended to the queue by this export. */
  accepted: number
  /** Spans refused as invalid (partial success). */
  rejected: number
  /** Spans left out because this collector had accepted them already (a re-send). */
  deduplicated: number
  /** One message per distinct problem, for the partial-success answer; empty when none. */
  errors: string[]
}

/** Nothing of the export is stored; the answer it gets, in OTLP/HTTP's words. */
export interface TraceBodyRefused {
  stored: false
  status: 400 | 413 | 503
  grpc: number
  message: string
  /** Set when a retry may succeed later: the Retry-After to send. */
  retryAfterMs?: number
  /** Every span of the export was invalid (none stored): how many. */
  rejected?: number
  /** The error that refused it, for an in-process caller to report as is; absent only when every span was invalid. */
  error?: Error
}

export type TraceBodyVerdict = TraceBodyStored | TraceBodyRefused

/**
 * One export's way from an OTLP body to the write-ahead queue, shared by `POST /v1/traces`
 * and the in-process exporter so both validate, price, deduplicate and append alike:
 * decode, drop invalid spans (partial success), leave out spans already accepted, price
 * at ingest, encode the rows and append them. Only what is on disk is reported stored.
 * The body is let go once encoded, before the append waits for its fsync, so a burst
 * does not hold every body until then.
 */
export async function acceptTraceBody(intake: TraceIntake, body: TraceBody): Promise<TraceBodyVerdict> {
  const batch = encodeOrRefuse(intake, body)
  if (!('encoded' in batch)) return batch
  // From here on only the encoded rows are needed. The request's bytes and its decoded
  // rows (several times the encoded size) are not held while the append waits for its
  // fsync, beside every other request of a burst waiting for the same one.
  body.bytes = undefined
  body.decoded = undefined
  body.release?.()
  return appendBatch(intake, batch)
}

/** The body's rows, encoded, or the refusal of a body that is malformed, too large as rows, or has no valid span. */
function encodeOrRefuse(intake: TraceIntake, body: TraceBody): EncodedBatch | TraceBodyRefused {
  const { encoding } = body
  let batch: EncodedBatch
  try {
    batch = encodeBatch(intake, body.bytes ?? new Uint8Array(0), encoding, body.decoded)
  } catch (error) {
    if (error instanceof EncodedRowsTooLargeError) {
      return {
        stored: false,
        status: 413,
        grpc: grpcCode.resourceExhausted,
        message: `the request's ${error.rows} spans take more than the batch limit of ${error.maxBytes} bytes as rows (every span repeats its resource's attributes): send fewer spans per request, or smaller resource attributes`,
        error,
      }
    }
    if (!(error instanceof OtlpDecodeError)) throw error
    return { stored: false, status: 400, grpc: grpcCode.invalidArgument, message: `malformed OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} trace request: ${error.message}`, error }
  }
  if (batch.noneValid) {
    // As the reference receiver answers a request it cannot take: a 400 that says why, which
    // the exporter does not retry. Partial success is for requests with something stored.
    return {
      stored: false,
      status: 400,
      grpc: grpcCode.invalidArgument,
      message: `no span of the request is valid, so nothing is stored (${batch.rejected} refused): ${batch.errors.join('; ')}`,
      rejected: batch.rejected,
    }
  }
  return batch
}

/** Append the encoded rows; stored once they are on disk and the spans another export was writing are too. */
async function appendBatch(intake: TraceIntake, batch: EncodedBatch): Promise<TraceBodyVerdict> {
  const { queue, shedding, metrics, rowBuffers } = intake
  if (batch.rows > 0) {
    try {
      await queue.append(batch.encoded, batch.rows)
    } catch (error) {
      // Not on disk: the spans are not remembered, so the client's retry is taken.
      batch.reservation?.release()
      if (error instanceof RecordTooLargeError) {
        return {
          stored: false,
          status: 413,
          grpc: grpcCode.resourceExhausted,
          message: `the request's ${batch.rows} spans take ${error.recordBytes} bytes as rows, over the batch limit of ${error.segmentMaxBytes}: send smaller requests`,
          error,
        }
      }
      if (error instanceof QueueFullError) {
        metrics.queueFullResponses += 1
        // Either way the next requests are refused unread while it lasts, not read, decoded and encoded to be refused.
        if (error.resource === 'disk') shedding.queueFull(error.retryAfterMs)
        else shedding.pendingFull(queue.appendsSettled(), error.retryAfterMs)
        return queueFullVerdict({ retryAfterMs: error.retryAfterMs, what: `the collector's queue is full (${error.bytes} of ${error.maxBytes} bytes)`, error })
      }
      diag.error(`switchyard collector: cannot write to the queue: ${String(error)}`)
      return {
        stored: false,
        status: 503,
        grpc: grpcCode.unavailable,
        message: 'the collector cannot write its queue right now: retry later',
        retryAfterMs: 5_000,
        error: error instanceof Error ? error : new Error(String(error)),
      }
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
    const message = 'some spans of this request were being written by another request, which failed: send the request again'
    return { stored: false, status: 503, grpc: grpcCode.unavailable, message, retryAfterMs: 1_000, error: new SpansOfAnotherExportLostError(message) }
  }
  return { stored: true, accepted: batch.rows, rejected: batch.rejected, deduplicated: batch.reservation?.duplicates ?? 0, errors: batch.errors }
}

/** The refusal of an export the queue has no room for: a 503 with Retry-After in whole seconds. */
function queueFullVerdict(refusal: { retryAfterMs: number; what: string; error?: SwitchyardError }): TraceBodyRefused {
  const retryAfterSeconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))
  return {
    stored: false,
    status: 503,
    grpc: grpcCode.unavailable,
    message: `${refusal.what}: retry after ${retryAfterSeconds} s`,
    retryAfterMs: retryAfterSeconds * 1000,
    error: refusal.error,
  }
}

/** The decoding limits of every export the pipeline takes, from its options. */
export function traceDecodeLimits(options: ResolvedCollectorOptions): DecodeLimits {
  return { maxAttributeValueBytes: options.maxAttributeValueBytes, maxSpans: options.maxSpansPerRequest }
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
function encodeBatch(intake: TraceIntake, body: Uint8Array, encoding: TraceBodyEncoding, read: DecodeResult | undefined): EncodedBatch {
  const { options, priceTable, metrics, rowBuffers } = intake
  const limits = traceDecodeLimits(options)
  const decoded = read ?? (encoding === 'protobuf'
    ? decodeTraceRequestProtobuf(body, limits)
    : decodeTraceRequestJson(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), limits))
  metrics.spansReceived += decoded.rows.length + decoded.rejected
  metrics.spansRejected += decoded.rejected
  metrics.spanPartsDropped += decoded.dropped
  if (decoded.rows.length === 0 && decoded.rejected > 0) {
    return { encoded: Buffer.alloc(0), rows: 0, rejected: decoded.rejected, errors: decoded.errors, noneValid: true }
  }
  // Spans accepted before (a client's re-send) or twice in this request go no further.
  const reservation = intake.seenSpans?.reserve(decoded.rows)
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
  const maxBytes = Math.min(options.batchBytes, options.queueMaxBytes)
  let encoded: Buffer
  try {
    encoded = rows.length > 0
      ? encodeRowsJsonCompact(rows, { allocate: (size) => rowBuffers.acquire(size), maxBytes })
      : Buffer.alloc(0)
  } catch (error) {
    reservation?.release()
    throw error
  }
  return { encoded, rows: rows.length, rejected: decoded.rejected, errors: decoded.errors, reservation }
}
