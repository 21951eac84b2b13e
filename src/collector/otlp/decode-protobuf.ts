import { newAttributeMap, type AttributeMap } from './attribute-map.js'
import { resolveDecodeLimits, type DecodeLimits, type ResolvedDecodeLimits } from './decode-limits.js'
import type { DecodeResult } from './decode-result.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { readKeyValueInto } from './protobuf-attributes.js'
import { ProtobufReader, wireLengthDelimited } from './protobuf-reader.js'
import { ProtobufSpanReader, type SpanLocation } from './protobuf-span-reader.js'
import { SpanRejections } from './span-rejections.js'
import type { SpanRow } from './span-row.js'
import { requestSchema, resourceSchema, resourceSpansSchema, scopeSchema, scopeSpansSchema } from './trace-message-schemas.js'

export { OtlpDecodeError, isOtlpDecodeError } from './otlp-decode-error.js'
export type { DecodeLimits } from './decode-limits.js'
export type { DecodeResult } from './decode-result.js'

const tag1 = (1 << 3) | wireLengthDelimited
const tag2 = (2 << 3) | wireLengthDelimited

/**
 * Decodes an OTLP/HTTP protobuf `ExportTraceServiceRequest` straight into `otel_traces`
 * rows, one per span, exactly as the contrib clickhouse exporter would write them (except
 * that a span ending before it starts gets Duration 0 where the exporter's uint64
 * subtraction wraps around). A span with an invalid trace or span id, or a start or end
 * time that is missing or past what the table stores, is rejected alone (counted in
 * `rejected`); an event with such a time is dropped from its span (see ProtobufSpanReader). Strings
 * and lists are bounded by `limits`. A body that is not a valid request throws
 * OtlpDecodeError with the byte offset of the problem. Rows of one ResourceSpans share one
 * ResourceAttributes object: treat rows as read-only.
 */
export function decodeTraceRequestProtobuf(bytes: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const decoder = new TraceRequestDecoder(bytes, resolveDecodeLimits(limits))
  decoder.readRequest()
  const { rejections } = decoder
  return { rows: decoder.rows, rejected: rejections.count, dropped: rejections.dropped, errors: rejections.messages }
}

/**
 * Walks the request's envelope (resource spans, resource, scope spans, scope) and hands
 * each Span message to one ProtobufSpanReader; it knows where each span sits, for the
 * messages about it.
 */
class TraceRequestDecoder implements SpanLocation {
  readonly rows: SpanRow[] = []
  readonly rejections = new SpanRejections()
  readonly #reader: ProtobufReader
  readonly #limits: ResolvedDecodeLimits
  readonly #spanReader: ProtobufSpanReader
  #spanCount = 0
  #resourceIndex = 0
  #scopeIndex = 0
  #spanIndex = 0
  #scopeName = ''
  #scopeVersion = ''

  constructor(bytes: Uint8Array, limits: ResolvedDecodeLimits) {
    this.#reader = new ProtobufReader(bytes)
    this.#limits = limits
    this.#spanReader = new ProtobufSpanReader({ reader: this.#reader, limits, rejections: this.rejections, location: this })
  }

  readRequest(): void {
    const reader = this.#reader
    const end = reader.bytes.length
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag1) {
        this.#readResourceSpans(reader.readLengthEnd(end))
        this.#resourceIndex++
      } else {
        reader.skipField(tag, end, requestSchema)
      }
    }
  }

  #readResourceSpans(end: number): void {
    const reader = this.#reader
    const firstRow = this.rows.length
    const resourceAttributes: AttributeMap = newAttributeMap()
    const resourceCount = { kept: 0, dropped: 0 }
    this.#scopeIndex = 0
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag1) {
        this.#readResource(reader.readLengthEnd(end), resourceAttributes, resourceCount)
      } else if (tag === tag2) {
        this.#readScopeSpans(reader.readLengthEnd(end), resourceAttributes)
        this.#scopeIndex++
      } else {
        reader.skipField(tag, end, resourceSpansSchema)
      }
    }
    // The resource may follow its spans on the wire, so the service name is filled in last.
    const serviceName = Object.hasOwn(resourceAttributes, 'service.name') ? resourceAttributes['service.name']! : ''
    const rows = this.rows
    for (let index = firstRow; index < rows.length; index++) rows[index]!.ServiceName = serviceName
    if (resourceCount.dropped > 0) {
      this.rejections.drop(`resourceSpans[${this.#resourceIndex}].resource`, `resource attributes past the limit of ${this.#limits.maxAttributes} were dropped`, resourceCount.dropped)
    }
  }

  #readResource(end: number, attributes: AttributeMap, count: { kept: number; dropped: number }): void {
    const reader = this.#reader
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag !== tag1) {
        reader.skipField(tag, end, resourceSchema)
      } else if (count.kept < this.#limits.maxAttributes) {
        count.kept++
        readKeyValueInto(reader, reader.readLengthEnd(end), attributes, this.#limits)
      } else {
        count.dropped++
        reader.pos = reader.readLengthEnd(end)
      }
    }
  }

  #readScopeSpans(end: number, resourceAttributes: AttributeMap): void {
    const reader = this.#reader
    const firstRow = this.rows.length
    this.#scopeName = ''
    this.#scopeVersion = ''
    this.#spanIndex = 0
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag2) {
        this.#readSpan(reader.readLengthEnd(end), resourceAttributes)
        this.#spanIndex++
      } else if (tag === tag1) {
        this.#readScope(reader.readLengthEnd(end))
      } else {
        reader.skipField(tag, end, scopeSpansSchema)
      }
    }
    const rows = this.rows
    for (let index = firstRow; index < rows.length; index++) {
      const row = rows[index]!
      row.ScopeName = this.#scopeName
      row.ScopeVersion = this.#scopeVersion
    }
  }

  #readScope(end: number): void {
    const reader = this.#reader
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag1) this.#scopeName = reader.readStringCut(end, this.#limits.maxNameBytes)
      else if (tag === tag2) this.#scopeVersion = reader.readStringCut(end, this.#limits.maxNameBytes)
      else reader.skipField(tag, end, scopeSchema)
    }
  }

  #readSpan(end: number, resourceAttributes: AttributeMap): void {
    if (++this.#spanCount > this.#limits.maxSpans) {
      throw new OtlpDecodeError({
        code: 'too_many_spans',
        message: `request holds more than ${this.#limits.maxSpans} spans; send smaller batches`,
        offset: this.#reader.pos,
      })
    }
    const row = this.#spanReader.read(end, resourceAttributes)
    if (row !== undefined) this.rows.push(row)
  }

  spanPath(): string {
    return `resourceSpans[${this.#resourceIndex}].scopeSpans[${this.#scopeIndex}].spans[${this.#spanIndex}]`
  }
}
