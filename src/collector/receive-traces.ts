import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CollectorMetrics } from './collector-metrics.js'
import { acceptTraceBody, type TraceBody, type TraceBodyEncoding, type TraceIntake } from './accept-trace-body.js'
import { encodeErrorStatus, grpcCode } from './error-status.js'
import { encodeExportResponse } from './otlp/encode-response.js'
import type { BodyMemoryBudget } from './body-memory-budget.js'
import { readRequestBody, RequestBodyError } from './read-request-body.js'

type Encoding = TraceBodyEncoding

const contentTypes: Record<Encoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
}

export interface ReceiveTracesOptions {
  /** The pipeline's queue, dedup, pricing and counters, shared with in-process exports. */
  intake: TraceIntake
  request: IncomingMessage
  response: ServerResponse
  /** The bound on body bytes held by all requests being read at once. */
  bodyMemory: BodyMemoryBudget
}

/**
 * `POST /v1/traces` per OTLP/HTTP: decode, convert to `otel_traces` rows, append to
 * the write-ahead queue, and answer in the request's encoding. Invalid spans are
 * dropped with a partial-success count, and a request of which no span is valid is a 400
 * that says why (an empty request is a 200); a malformed body is a 400, an oversized one
 * a 413, a full queue a 503 with Retry-After (unread, while the queue stays full).
 * Only what is on disk is acknowledged.
 */
export async function receiveTraces({ intake, request, response, bodyMemory }: ReceiveTracesOptions): Promise<void> {
  const { options, queue, shedding, metrics } = intake
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

  const shed = shedding.refuseFor()
  if (shed !== undefined) {
    // Node discards the unread body once the answer is sent and keeps the connection,
    // unless the body is over the limit or of unknown length (chunked): Node would read
    // that one to its end, however long, so the connection is closed instead.
    metrics.queueFullResponses += 1
    metrics.requestsShed += 1
    const declaredBytes = Number(request.headers['content-length'])
    const close = !(Number.isFinite(declaredBytes) && declaredBytes <= options.maxBodyBytes)
    const what = shed.resource === 'disk'
      ? `the collector's queue is full (${queue.stats().bytes} of ${options.queueMaxBytes} bytes)`
      : 'the collector holds as many spans waiting to be written to its queue as it may'
    return refuseQueueFull(response, metrics, { encoding, retryAfterMs: shed.retryAfterMs, what, close })
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

  // Handed over whole: acceptTraceBody lets the bytes go once their rows are encoded.
  const traceBody: TraceBody = { bytes: body, encoding, release: () => memory.release() }
  body = undefined
  const verdict = await acceptTraceBody(intake, traceBody)
  if (!verdict.stored) {
    const retryAfter: Record<string, string> = verdict.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) }
    return refuse(response, metrics, { status: verdict.status, encoding, grpc: verdict.grpc, message: verdict.message, headers: retryAfter })
  }
  // Messages without rejected spans say what was dropped from kept spans (OTLP allows a warning so).
  const partial = verdict.rejected > 0 || verdict.errors.length > 0
    ? { rejectedSpans: verdict.rejected, errorMessage: verdict.errors.join('; ') }
    : undefined
  response.writeHead(200, { 'content-type': contentTypes[encoding] })
  response.end(encodeExportResponse({ encoding, partialSuccess: partial }))
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
