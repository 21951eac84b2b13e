import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { acceptTraceBody, traceDecodeLimits, type TraceBody, type TraceIntake } from './accept-trace-body.js'
import { resolveDecodeLimits } from './otlp/decode-limits.js'
import { readableSpanRows } from './readable-span-rows.js'
import { QueueClosedError, QueueFullError } from './queue/queue-errors.js'
import { OtlpDecodeError } from './otlp/otlp-decode-error.js'

/** What became of spans taken in this process. */
export interface IngestOutcome {
  /** Spans now on disk in the queue (they reach ClickHouse even across a crash). */
  accepted: number
  /** Spans refused as invalid, as POST /v1/traces refuses them (partial success). */
  rejected: number
  /** Spans left out because the collector had accepted them already (the same span sent again). */
  deduplicated: number
  /** What was refused or dropped, one message per distinct problem; absent when nothing was. */
  errorMessage?: string
}

/**
 * Take finished spans of this process into the queue by the very path of `POST
 * /v1/traces`: the same validation, dedup, pricing at ingest and append, so a span
 * stores the same row whichever way it came. Spans whose row is certain are read
 * straight into rows (readableSpanRows); any other batch is serialized as the OTLP/HTTP
 * exporter would send it (the SDK's own protobuf serializer) and decoded with the same
 * limits, so what is cut, dropped or refused is the decoder's decision alone.
 * Invalid spans are counted in `rejected` (all of them invalid: nothing stored, said in
 * `errorMessage`). Rejects, with nothing stored, when the spans cannot be taken now: a
 * full queue (QueueFullError, also while shedding), a pipeline that is closing
 * (QueueClosedError), a queue that cannot be written, or a batch too large for one
 * queue record; the caller decides whether to retry.
 */
export async function ingestSpans(intake: TraceIntake, spans: readonly ReadableSpan[], state: { closing: boolean }): Promise<IngestOutcome> {
  const { metrics, queue, options } = intake
  metrics.requestsTotal += 1
  if (state.closing) {
    metrics.requestsRejected += 1
    throw new QueueClosedError({ dir: queue.dir })
  }
  const shed = intake.shedding.refuseFor()
  if (shed !== undefined) {
    // As over HTTP: while the queue is full on disk, nothing is serialized or decoded.
    metrics.queueFullResponses += 1
    metrics.requestsShed += 1
    metrics.requestsRejected += 1
    const stats = queue.stats()
    throw shed.resource === 'disk'
      ? new QueueFullError({ dir: queue.dir, resource: 'disk', bytes: stats.bytes, maxBytes: options.queueMaxBytes, retryAfterMs: shed.retryAfterMs })
      : new QueueFullError({ dir: queue.dir, resource: 'memory', bytes: stats.pendingBytes, maxBytes: Math.min(options.batchBytes, options.queueMaxBytes), retryAfterMs: shed.retryAfterMs })
  }
  if (spans.length === 0) return { accepted: 0, rejected: 0, deduplicated: 0 }
  let body: TraceBody
  try {
    body = inProcessBody(spans, options)
  } catch (error) {
    metrics.requestsRejected += 1
    throw error
  }
  // The serialized bytes or rows are held only by `body`, which acceptTraceBody empties once they are encoded.
  const verdict = await acceptTraceBody(intake, body)
  if (!verdict.stored) {
    metrics.requestsRejected += 1
    // Only a refusal of spans that are all invalid comes without an error: the spans, not the queue, are at fault.
    if (verdict.error === undefined) return { accepted: 0, rejected: verdict.rejected ?? spans.length, deduplicated: 0, errorMessage: verdict.message }
    throw verdict.error
  }
  const outcome: IngestOutcome = { accepted: verdict.accepted, rejected: verdict.rejected, deduplicated: verdict.deduplicated }
  if (verdict.errors.length > 0) outcome.errorMessage = verdict.errors.join('; ')
  return outcome
}

/**
 * The export's body: its rows when readableSpanRows is certain of them, else the OTLP
 * bytes. Only the body holds the rows, and acceptTraceBody lets them go once encoded.
 */
function inProcessBody(spans: readonly ReadableSpan[], options: TraceIntake['options']): TraceBody {
  const decoded = readableSpanRows(spans, resolveDecodeLimits(traceDecodeLimits(options)))
  return decoded !== undefined ? { bytes: undefined, encoding: 'protobuf', decoded } : serializedBody(spans)
}

/** The spans as the OTLP/HTTP protobuf exporter sends them; an OtlpDecodeError when the SDK's serializer cannot. */
function serializedBody(spans: readonly ReadableSpan[]): TraceBody {
  let bytes: Uint8Array | undefined
  try {
    bytes = ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[])
  } catch (error) {
    throw new OtlpDecodeError({ code: 'invalid_field', message: `the OpenTelemetry SDK could not serialize ${spans.length} spans as OTLP protobuf: ${String(error)}` })
  }
  if (bytes === undefined) throw new OtlpDecodeError({ code: 'invalid_field', message: `the OpenTelemetry SDK could not serialize ${spans.length} spans as OTLP protobuf` })
  return { bytes, encoding: 'protobuf' }
}
