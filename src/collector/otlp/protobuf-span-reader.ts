import { newAttributeMap, type AttributeMap } from './attribute-map.js'
import type { ResolvedDecodeLimits } from './decode-limits.js'
import { hexId } from './hex-id.js'
import { newSpanRow } from './new-span-row.js'
import { readKeyValueInto } from './protobuf-attributes.js'
import { type ProtobufReader, wireFixed64, wireLengthDelimited, wireVarint } from './protobuf-reader.js'
import type { SpanRejections } from './span-rejections.js'
import type { SpanRow } from './span-row.js'
import { spanKindWord, statusCodeWord } from './span-row-words.js'
import { eventSchema, linkSchema, spanSchema, statusSchema } from './trace-message-schemas.js'
import { durationText, nanosOfSecond, timestampText, unixTimeProblem, wholeSeconds } from './unix-nanos.js'

const tag1 = (1 << 3) | wireLengthDelimited
const tag2 = (2 << 3) | wireLengthDelimited
const tag3 = (3 << 3) | wireLengthDelimited
const tag4 = (4 << 3) | wireLengthDelimited
const tag5 = (5 << 3) | wireLengthDelimited
const kindTag = (6 << 3) | wireVarint
const startTag = (7 << 3) | wireFixed64
const endTag = (8 << 3) | wireFixed64
const spanAttributesTag = (9 << 3) | wireLengthDelimited
const eventsTag = (11 << 3) | wireLengthDelimited
const linksTag = (13 << 3) | wireLengthDelimited
const statusTag = (15 << 3) | wireLengthDelimited
const eventTimeTag = (1 << 3) | wireFixed64
const statusCodeTag = (3 << 3) | wireVarint

/** Where the span being read sits in its request, asked only when a problem is reported. */
export interface SpanLocation {
  spanPath(): string
}

export interface ProtobufSpanReaderOptions {
  reader: ProtobufReader
  limits: ResolvedDecodeLimits
  rejections: SpanRejections
  location: SpanLocation
}

/**
 * Reads one OTLP `Span` message (with its events, links and status) into an `otel_traces`
 * row. A span with an invalid trace or span id, or a start or end time that is missing or
 * past what the table stores, is rejected alone; an event with such a time is dropped from
 * its span (see readEvent); attributes, events and links past their count limits are
 * skipped unread. What was rejected or left out goes to `rejections` under the span's
 * path. One reader serves every span of a request, so the per-span state is reset by
 * `read` rather than allocated per span.
 */
export class ProtobufSpanReader {
  readonly #reader: ProtobufReader
  readonly #limits: ResolvedDecodeLimits
  readonly #rejections: SpanRejections
  readonly #location: SpanLocation
  // The first problem with the span being read, if any: it will be rejected.
  #spanProblem: string | undefined = undefined
  // What was left out of the span being read, reported only if the span is kept.
  #eventIndex = 0
  #droppedNestedAttributes = 0
  #droppedTimedEvents = 0
  #firstDroppedEvent = ''
  #firstDroppedEventProblem = ''

  constructor(options: ProtobufSpanReaderOptions) {
    this.#reader = options.reader
    this.#limits = options.limits
    this.#rejections = options.rejections
    this.#location = options.location
  }

  /**
   * Reads the Span message that ends at `end` into a row of `resourceAttributes`. Returns
   * the row, or undefined when the span was rejected (and counted in the rejections).
   */
  read(end: number, resourceAttributes: AttributeMap): SpanRow | undefined {
    const reader = this.#reader
    const bytes = reader.bytes
    const limits = this.#limits
    const row = newSpanRow(resourceAttributes)
    let attributeCount = 0
    let droppedAttributes = 0
    let droppedEvents = 0
    let droppedLinks = 0
    let traceIdStart = 0
    let traceIdLength = 0
    let spanIdStart = 0
    let spanIdLength = 0
    let parentIdStart = 0
    let parentIdLength = 0
    let startLow = 0
    let startHigh = 0
    let endLow = 0
    let endHigh = 0
    this.#spanProblem = undefined
    this.#eventIndex = 0
    this.#droppedNestedAttributes = 0
    this.#droppedTimedEvents = 0
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      switch (tag) {
        case tag1:
          traceIdLength = reader.readLengthEnd(end) - reader.pos
          traceIdStart = reader.pos
          reader.pos += traceIdLength
          break
        case tag2:
          spanIdLength = reader.readLengthEnd(end) - reader.pos
          spanIdStart = reader.pos
          reader.pos += spanIdLength
          break
        case tag3:
          row.TraceState = reader.readStringCut(end, limits.maxTraceStateBytes)
          break
        case tag4:
          parentIdLength = reader.readLengthEnd(end) - reader.pos
          parentIdStart = reader.pos
          reader.pos += parentIdLength
          break
        case tag5:
          row.SpanName = reader.readStringCut(end, limits.maxNameBytes)
          break
        case kindTag:
          row.SpanKind = spanKindWord(reader.readInt32(end))
          break
        case startTag:
          reader.readFixed64(end)
          startLow = reader.low
          startHigh = reader.high
          break
        case endTag:
          reader.readFixed64(end)
          endLow = reader.low
          endHigh = reader.high
          break
        // Past a count limit the entry is skipped unread, as the SDK's span limits drop it.
        case spanAttributesTag:
          if (attributeCount < limits.maxAttributes) {
            attributeCount++
            readKeyValueInto(reader, reader.readLengthEnd(end), row.SpanAttributes, limits)
          } else {
            droppedAttributes++
            reader.pos = reader.readLengthEnd(end)
          }
          break
        case eventsTag:
          if (row['Events.Name'].length < limits.maxEvents) {
            this.#readEvent(reader.readLengthEnd(end), row)
          } else {
            droppedEvents++
            reader.pos = reader.readLengthEnd(end)
          }
          this.#eventIndex++
          break
        case linksTag:
          if (row['Links.TraceId'].length < limits.maxLinks) {
            this.#readLink(reader.readLengthEnd(end), row)
          } else {
            droppedLinks++
            reader.pos = reader.readLengthEnd(end)
          }
          break
        case statusTag:
          this.#readStatus(reader.readLengthEnd(end), row)
          break
        default:
          reader.skipField(tag, end, spanSchema)
      }
    }

    if (traceIdLength !== 16) this.#spanProblem ??= `traceId must be 16 bytes, got ${traceIdLength}`
    else if ((row.TraceId = hexId(bytes, traceIdStart, 16)) === '') this.#spanProblem ??= 'traceId is all zeros'
    if (spanIdLength !== 8) this.#spanProblem ??= `spanId must be 8 bytes, got ${spanIdLength}`
    else if ((row.SpanId = hexId(bytes, spanIdStart, 8)) === '') this.#spanProblem ??= 'spanId is all zeros'
    if (parentIdLength === 8) row.ParentSpanId = hexId(bytes, parentIdStart, 8)
    else if (parentIdLength !== 0) this.#spanProblem ??= `parentSpanId must be 8 bytes or empty, got ${parentIdLength}`
    const startNanos = nanosOfSecond(startLow, startHigh)
    const startSeconds = wholeSeconds(startLow, startHigh, startNanos)
    const endNanos = nanosOfSecond(endLow, endHigh)
    const endSeconds = wholeSeconds(endLow, endHigh, endNanos)
    // A span's time places it in a partition and the primary key: without a storable one it cannot be kept.
    const startProblem = unixTimeProblem(startSeconds, startNanos)
    if (startProblem !== undefined) this.#spanProblem ??= `startTimeUnixNano ${startProblem}`
    const endProblem = unixTimeProblem(endSeconds, endNanos)
    if (endProblem !== undefined) this.#spanProblem ??= `endTimeUnixNano ${endProblem}`
    if (this.#spanProblem !== undefined) {
      this.#rejections.reject(this.#location.spanPath(), this.#spanProblem)
      return undefined
    }

    row.Timestamp = timestampText(startSeconds, startNanos)
    row.Duration = durationText(startSeconds, startNanos, endSeconds, endNanos)
    if (droppedAttributes + droppedEvents + droppedLinks + this.#droppedNestedAttributes + this.#droppedTimedEvents > 0) {
      this.#reportDropped({ droppedAttributes, droppedEvents, droppedLinks })
    }
    return row
  }

  /** Says what was left out of the span just kept; built only when something was. */
  #reportDropped(counts: { droppedAttributes: number; droppedEvents: number; droppedLinks: number }): void {
    const path = this.#location.spanPath()
    const limits = this.#limits
    const rejections = this.#rejections
    if (this.#droppedTimedEvents > 0) {
      rejections.drop(`${path}.${this.#firstDroppedEvent}`, `timeUnixNano ${this.#firstDroppedEventProblem}: the event was dropped, its span kept`, this.#droppedTimedEvents)
    }
    if (counts.droppedAttributes > 0) rejections.drop(path, `attributes past the limit of ${limits.maxAttributes} were dropped`, counts.droppedAttributes)
    if (counts.droppedEvents > 0) rejections.drop(path, `events past the limit of ${limits.maxEvents} were dropped`, counts.droppedEvents)
    if (counts.droppedLinks > 0) rejections.drop(path, `links past the limit of ${limits.maxLinks} were dropped`, counts.droppedLinks)
    if (this.#droppedNestedAttributes > 0) {
      rejections.drop(path, `event or link attributes past the limit of ${limits.maxAttributes} were dropped`, this.#droppedNestedAttributes)
    }
  }

  /**
   * Appends the event to the row, unless its time is missing or unstorable: then the event
   * is dropped and said in the partial-success message, and the span is kept. The span
   * carries the cost and tokens that spend is counted from; losing it for one bad
   * annotation would let one item rewrite the good ones, and inventing a time (the span's
   * start, say) would store something the sender never said.
   */
  #readEvent(end: number, row: SpanRow): void {
    const reader = this.#reader
    const limits = this.#limits
    let low = 0
    let high = 0
    let name = ''
    let attributeCount = 0
    const attributes: AttributeMap = newAttributeMap()
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === eventTimeTag) {
        reader.readFixed64(end)
        low = reader.low
        high = reader.high
      } else if (tag === tag2) {
        name = reader.readStringCut(end, limits.maxNameBytes)
      } else if (tag === tag3) {
        if (attributeCount < limits.maxAttributes) {
          attributeCount++
          readKeyValueInto(reader, reader.readLengthEnd(end), attributes, limits)
        } else {
          this.#droppedNestedAttributes++
          reader.pos = reader.readLengthEnd(end)
        }
      } else {
        reader.skipField(tag, end, eventSchema)
      }
    }
    const nanos = nanosOfSecond(low, high)
    const seconds = wholeSeconds(low, high, nanos)
    const problem = unixTimeProblem(seconds, nanos)
    if (problem !== undefined) {
      if (this.#droppedTimedEvents++ === 0) {
        this.#firstDroppedEvent = `events[${this.#eventIndex}]`
        this.#firstDroppedEventProblem = problem
      }
      return
    }
    row['Events.Timestamp'].push(timestampText(seconds, nanos))
    row['Events.Name'].push(name)
    row['Events.Attributes'].push(attributes)
  }

  #readLink(end: number, row: SpanRow): void {
    const reader = this.#reader
    const bytes = reader.bytes
    const limits = this.#limits
    let traceId = ''
    let spanId = ''
    let traceState = ''
    let attributeCount = 0
    const attributes: AttributeMap = newAttributeMap()
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag1) {
        const idEnd = reader.readLengthEnd(end)
        const length = idEnd - reader.pos
        if (length === 16) traceId = hexId(bytes, reader.pos, 16)
        else if (length !== 0) this.#spanProblem ??= `links[].traceId must be 16 bytes or empty, got ${length}`
        reader.pos = idEnd
      } else if (tag === tag2) {
        const idEnd = reader.readLengthEnd(end)
        const length = idEnd - reader.pos
        if (length === 8) spanId = hexId(bytes, reader.pos, 8)
        else if (length !== 0) this.#spanProblem ??= `links[].spanId must be 8 bytes or empty, got ${length}`
        reader.pos = idEnd
      } else if (tag === tag3) {
        traceState = reader.readStringCut(end, limits.maxTraceStateBytes)
      } else if (tag === tag4) {
        if (attributeCount < limits.maxAttributes) {
          attributeCount++
          readKeyValueInto(reader, reader.readLengthEnd(end), attributes, limits)
        } else {
          this.#droppedNestedAttributes++
          reader.pos = reader.readLengthEnd(end)
        }
      } else {
        reader.skipField(tag, end, linkSchema)
      }
    }
    row['Links.TraceId'].push(traceId)
    row['Links.SpanId'].push(spanId)
    row['Links.TraceState'].push(traceState)
    row['Links.Attributes'].push(attributes)
  }

  #readStatus(end: number, row: SpanRow): void {
    const reader = this.#reader
    while (reader.pos < end) {
      const tag = reader.readTag(end)
      if (tag === tag2) row.StatusMessage = reader.readStringCut(end, this.#limits.maxStatusMessageBytes)
      else if (tag === statusCodeTag) row.StatusCode = statusCodeWord(reader.readInt32(end))
      else reader.skipField(tag, end, statusSchema)
    }
  }
}
