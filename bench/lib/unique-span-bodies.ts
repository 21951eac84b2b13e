import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'

/** One OTLP protobuf ExportTraceServiceRequest, and where each of its spans' trace ids lies in it. */
interface LocatedBody {
  bytes: Buffer
  spans: number
  /** Offset in `bytes` of each span's 16 trace id bytes. */
  traceIdOffsets: Uint32Array
}

// A Span's trace_id is field 1, length-delimited: tag byte 0x0a, then its length, 16.
const traceIdTag = 0x0a
const traceIdLength = 16

/**
 * Where each span's trace id lies in `bytes`: the collector's own decoder names the
 * ids, in the order the spans appear, and each is looked for after the last one and
 * checked to sit right after a trace_id field's tag and length. Random 128-bit ids do
 * not occur by chance elsewhere in a body, and the check would catch it if one did.
 */
function locateTraceIds(bytes: Buffer): LocatedBody {
  const decoded = decodeTraceRequestProtobuf(bytes)
  if (decoded.rejected > 0) throw new Error(`the generated body has ${decoded.rejected} spans the collector's decoder rejects: ${decoded.errors.join('; ')}`)
  const offsets = new Uint32Array(decoded.rows.length)
  let from = 0
  decoded.rows.forEach((row, index) => {
    const offset = bytes.indexOf(Buffer.from(row.TraceId, 'hex'), from)
    if (row.TraceId.length !== traceIdLength * 2 || offset < 2 || bytes[offset - 2] !== traceIdTag || bytes[offset - 1] !== traceIdLength) {
      throw new Error(`span ${index} of a generated body: trace id ${row.TraceId === '' ? '(empty)' : 'of ' + row.TraceId.length / 2 + ' bytes'} not found as a trace_id field after offset ${from}`)
    }
    offsets[index] = offset
    from = offset + traceIdLength
  })
  return { bytes, spans: decoded.rows.length, traceIdOffsets: offsets }
}

/**
 * OTLP protobuf bodies that can be sent any number of times without the collector
 * taking a send for a client's re-send: it drops a span whose (TraceId, SpanId) it
 * accepted within its dedup window, so a benchmark that sent the same bodies again
 * would measure the drops, not the ingest. Each send gets a copy of its body with the
 * send's number written over the first 4 bytes of every trace id; the other 12 stay
 * the SDK's random bytes, so the spans of one send differ from each other and from
 * those of every other send of this object. The ids are located once, so a send costs
 * one copy of the body (about 0.4 MB) and 4 bytes per span, and the rows the collector
 * makes keep their size and shape (32 hex digits of trace id either way).
 */
export class UniqueSpanBodies {
  readonly #bodies: readonly LocatedBody[]
  #sends = 0

  constructor(protobufBodies: readonly Buffer[]) {
    if (protobufBodies.length === 0) throw new Error('UniqueSpanBodies needs at least one body')
    this.#bodies = protobufBodies.map(locateTraceIds)
  }

  get count(): number {
    return this.#bodies.length
  }

  /** Spans in body `index`. */
  spans(index: number): number {
    return this.#body(index).spans
  }

  /** The body as generated, never sent: for rows that must match what the collector makes of it. */
  original(index: number): Buffer {
    return this.#body(index).bytes
  }

  /** A fresh copy of body `index` whose spans no earlier send of this object carried. */
  nextSend(index: number): Buffer {
    const body = this.#body(index)
    this.#sends += 1
    if (this.#sends > 0xffff_ffff) throw new Error(`UniqueSpanBodies: more than 2^32 sends (${this.#sends}); the send number no longer fits its 4 bytes`)
    // A copy per send, never one buffer reused: a request answered early (503 before its
    // body is read) may still have its bytes queued on the socket.
    const copy = Buffer.allocUnsafe(body.bytes.length)
    body.bytes.copy(copy)
    for (const offset of body.traceIdOffsets) copy.writeUInt32BE(this.#sends, offset)
    return copy
  }

  #body(index: number): LocatedBody {
    const body = this.#bodies[index]
    if (body === undefined) throw new Error(`no body ${index}: there are ${this.#bodies.length}`)
    return body
  }
}
