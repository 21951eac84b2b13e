import { newAttributeMap, type AttributeMap } from './attribute-map.js'
import { resolveDecodeLimits, type DecodeLimits, type ResolvedDecodeLimits } from './decode-limits.js'
import type { DecodeResult } from './decode-result.js'
import { hexIdFromText } from './hex-id.js'
import { boundedText, readAttributesInto } from './json-attributes.js'
import { findJsonSyntaxError } from './json-syntax-error.js'
import { jsonTooDeepAt } from './json-nesting-depth.js'
import { newSpanRow } from './new-span-row.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { SpanRejections } from './span-rejections.js'
import type { SpanRow } from './span-row.js'
import { spanKindByName, spanKindWord, statusCodeByName, statusCodeWord } from './span-row-words.js'
import { durationText, splitUnixNanosText, timestampText, unixTimeProblem } from './unix-nanos.js'

export { OtlpDecodeError, isOtlpDecodeError } from './otlp-decode-error.js'
export type { DecodeLimits } from './decode-limits.js'
export type { DecodeResult } from './decode-result.js'

type JsonObject = Record<string, unknown>

// Ids are checked for their exact length after the cut: a longer one stays too long.
const maxIdBytes = 64

/**
 * Decodes an OTLP/HTTP JSON `ExportTraceServiceRequest` into `otel_traces` rows, the same
 * rows decodeTraceRequestProtobuf gives for the same spans. Follows the OTLP JSON mapping:
 * lowerCamelCase keys (snake_case accepted too), hex ids in any case, enums as numbers or
 * names, 64-bit integers as numbers or strings; unknown fields are ignored and null counts
 * as absent. A span with an invalid id, or a start or end time that is missing or past
 * what the table stores, is rejected alone, and an event with such a time is dropped, as
 * in the protobuf decoder; strings and lists are bounded by `limits`. Invalid JSON or a
 * field of the wrong type throws OtlpDecodeError naming the position or the field's path.
 */
export function decodeTraceRequestJson(text: string, limits?: DecodeLimits): DecodeResult {
  const resolved = resolveDecodeLimits(limits)
  // JSON.parse builds any depth it is given (16 MiB of `[` is 8 million arrays, seconds
  // and most of a gigabyte) before the decoder can ignore it: the depth is checked first.
  const maxDepth = maxJsonDepth(resolved)
  const tooDeepAt = jsonTooDeepAt(text, maxDepth)
  if (tooDeepAt !== -1) {
    throw new OtlpDecodeError({
      code: 'too_deep',
      message: `request body nests objects and arrays deeper than ${maxDepth} at position ${tooDeepAt}: no OTLP trace request does`,
    })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    // V8's message quotes the body around the error; this one names the position only.
    const syntaxError = findJsonSyntaxError(text)
    throw new OtlpDecodeError({
      code: 'malformed_json',
      message: syntaxError === undefined
        ? 'request body is not valid JSON'
        : `request body is not valid JSON: ${syntaxError.problem} at position ${syntaxError.position}`,
    })
  }
  const decoder = new JsonTraceRequestDecoder(resolved)
  decoder.readRequest(body)
  const { rejections } = decoder
  return { rows: decoder.rows, rejected: rejections.count, dropped: rejections.dropped, errors: rejections.messages }
}

/**
 * Twice the deepest request the decoder reads: 12 levels from the request to an
 * attribute's value (request, resourceSpans, its item, scopeSpans, its item, spans,
 * a span, events, an event, attributes, a key-value, its value), then 4 more for each
 * map nested in it (kvlistValue, values, a key-value, its value). The spare half is
 * room for fields this decoder does not know, which it ignores.
 */
function maxJsonDepth(limits: ResolvedDecodeLimits): number {
  return 2 * (12 + 4 * limits.maxValueDepth)
}

class JsonTraceRequestDecoder {
  readonly rows: SpanRow[] = []
  readonly rejections = new SpanRejections()
  readonly #limits: ResolvedDecodeLimits
  #spanCount = 0

  constructor(limits: ResolvedDecodeLimits) {
    this.#limits = limits
  }

  readRequest(body: unknown): void {
    const request = objectAt(body, '(request body)')
    const resourceSpans = arrayField(request, 'resourceSpans', 'resource_spans', 'resourceSpans')
    for (let index = 0; index < resourceSpans.length; index++) {
      this.#readResourceSpans(resourceSpans[index], `resourceSpans[${index}]`)
    }
  }

  #readResourceSpans(value: unknown, path: string): void {
    const resourceSpans = objectAt(value, path)
    const resourceAttributes: AttributeMap = newAttributeMap()
    const resource = resourceSpans.resource
    if (resource != null) {
      const resourcePath = `${path}.resource`
      const attributes = objectAt(resource, resourcePath).attributes
      const dropped = readAttributesInto(attributes, resourceAttributes, this.#limits, `${resourcePath}.attributes`, this.#limits.maxAttributes)
      if (dropped > 0) this.rejections.drop(resourcePath, `resource attributes past the limit of ${this.#limits.maxAttributes} were dropped`, dropped)
    }
    const serviceName = Object.hasOwn(resourceAttributes, 'service.name') ? resourceAttributes['service.name']! : ''
    const scopeSpans = arrayField(resourceSpans, 'scopeSpans', 'scope_spans', `${path}.scopeSpans`)
    for (let index = 0; index < scopeSpans.length; index++) {
      this.#readScopeSpans(scopeSpans[index], `${path}.scopeSpans[${index}]`, resourceAttributes, serviceName)
    }
  }

  #readScopeSpans(value: unknown, path: string, resourceAttributes: AttributeMap, serviceName: string): void {
    const scopeSpans = objectAt(value, path)
    let scopeName = ''
    let scopeVersion = ''
    if (scopeSpans.scope != null) {
      const scope = objectAt(scopeSpans.scope, `${path}.scope`)
      scopeName = stringField(scope, 'name', 'name', `${path}.scope.name`, this.#limits.maxNameBytes)
      scopeVersion = stringField(scope, 'version', 'version', `${path}.scope.version`, this.#limits.maxNameBytes)
    }
    const spans = arrayField(scopeSpans, 'spans', 'spans', `${path}.spans`)
    for (let index = 0; index < spans.length; index++) {
      const row = this.#readSpan(spans[index], `${path}.spans[${index}]`, resourceAttributes)
      if (row === undefined) continue
      row.ServiceName = serviceName
      row.ScopeName = scopeName
      row.ScopeVersion = scopeVersion
      this.rows.push(row)
    }
  }

  /** The span's row, or undefined when the span is rejected. */
  #readSpan(value: unknown, path: string, resourceAttributes: AttributeMap): SpanRow | undefined {
    if (++this.#spanCount > this.#limits.maxSpans) {
      throw new OtlpDecodeError({
        code: 'too_many_spans',
        message: `request holds more than ${this.#limits.maxSpans} spans; send smaller batches`,
        path,
      })
    }
    const limits = this.#limits
    const span = objectAt(value, path)
    const row = newSpanRow(resourceAttributes)
    let problem: string | undefined

    const traceId = hexIdFromText(stringField(span, 'traceId', 'trace_id', `${path}.traceId`, maxIdBytes), 32)
    if (traceId === undefined) problem = 'traceId: expected 32 hex digits'
    else if (traceId === '') problem = 'traceId is all zeros'
    else row.TraceId = traceId
    const spanId = hexIdFromText(stringField(span, 'spanId', 'span_id', `${path}.spanId`, maxIdBytes), 16)
    if (spanId === undefined) problem ??= 'spanId: expected 16 hex digits'
    else if (spanId === '') problem ??= 'spanId is all zeros'
    else row.SpanId = spanId
    const parentText = stringField(span, 'parentSpanId', 'parent_span_id', `${path}.parentSpanId`, maxIdBytes)
    if (parentText !== '') {
      const parentSpanId = hexIdFromText(parentText, 16)
      if (parentSpanId === undefined) problem ??= 'parentSpanId: expected 16 hex digits or empty'
      else row.ParentSpanId = parentSpanId
    }
    // A span's time places it in a partition and the primary key: without a storable one it cannot be kept.
    const [startSeconds, startNanos] = unixNanosField(span, 'startTimeUnixNano', 'start_time_unix_nano', `${path}.startTimeUnixNano`)
    const [endSeconds, endNanos] = unixNanosField(span, 'endTimeUnixNano', 'end_time_unix_nano', `${path}.endTimeUnixNano`)
    const startProblem = unixTimeProblem(startSeconds, startNanos)
    if (startProblem !== undefined) problem ??= `startTimeUnixNano ${startProblem}`
    const endProblem = unixTimeProblem(endSeconds, endNanos)
    if (endProblem !== undefined) problem ??= `endTimeUnixNano ${endProblem}`

    row.TraceState = stringField(span, 'traceState', 'trace_state', `${path}.traceState`, limits.maxTraceStateBytes)
    row.SpanName = stringField(span, 'name', 'name', `${path}.name`, limits.maxNameBytes)
    row.SpanKind = spanKindWord(enumField(span, 'kind', 'kind', spanKindByName, `${path}.kind`))
    const droppedAttributes = readAttributesInto(span.attributes, row.SpanAttributes, limits, `${path}.attributes`, limits.maxAttributes)

    // Past a count limit the rest are not looked at, as the SDK's span limits drop them.
    const dropped: DroppedFromSpan = { nestedAttributes: 0, timedEvents: 0, firstTimedEventPath: '', firstTimedEventProblem: '' }
    const events = arrayField(span, 'events', 'events', `${path}.events`)
    const eventCount = Math.min(events.length, limits.maxEvents)
    for (let index = 0; index < eventCount; index++) this.#readEvent(events[index], `${path}.events[${index}]`, row, dropped)
    const links = arrayField(span, 'links', 'links', `${path}.links`)
    const linkCount = Math.min(links.length, limits.maxLinks)
    for (let index = 0; index < linkCount; index++) {
      problem ??= this.#readLink(links[index], `${path}.links[${index}]`, row, dropped)
    }
    if (span.status != null) {
      const status = objectAt(span.status, `${path}.status`)
      row.StatusMessage = stringField(status, 'message', 'message', `${path}.status.message`, limits.maxStatusMessageBytes)
      row.StatusCode = statusCodeWord(enumField(status, 'code', 'code', statusCodeByName, `${path}.status.code`))
    }

    if (problem !== undefined) {
      this.rejections.reject(path, problem)
      return undefined
    }
    row.Timestamp = timestampText(startSeconds, startNanos)
    row.Duration = durationText(startSeconds, startNanos, endSeconds, endNanos)
    const rejections = this.rejections
    if (dropped.timedEvents > 0) rejections.drop(dropped.firstTimedEventPath, dropped.firstTimedEventProblem, dropped.timedEvents)
    if (droppedAttributes > 0) rejections.drop(path, `attributes past the limit of ${limits.maxAttributes} were dropped`, droppedAttributes)
    if (events.length > eventCount) rejections.drop(path, `events past the limit of ${limits.maxEvents} were dropped`, events.length - eventCount)
    if (links.length > linkCount) rejections.drop(path, `links past the limit of ${limits.maxLinks} were dropped`, links.length - linkCount)
    if (dropped.nestedAttributes > 0) {
      rejections.drop(path, `event or link attributes past the limit of ${limits.maxAttributes} were dropped`, dropped.nestedAttributes)
    }
    return row
  }

  /** Appends the event, or drops it when its time is missing or unstorable: see the protobuf decoder's readEvent for why. */
  #readEvent(value: unknown, path: string, row: SpanRow, dropped: DroppedFromSpan): void {
    const event = objectAt(value, path)
    const [seconds, nanos] = unixNanosField(event, 'timeUnixNano', 'time_unix_nano', `${path}.timeUnixNano`)
    const problem = unixTimeProblem(seconds, nanos)
    if (problem !== undefined) {
      if (dropped.timedEvents++ === 0) {
        dropped.firstTimedEventPath = path
        dropped.firstTimedEventProblem = `timeUnixNano ${problem}: the event was dropped, its span kept`
      }
      return
    }
    const attributes: AttributeMap = newAttributeMap()
    dropped.nestedAttributes += readAttributesInto(event.attributes, attributes, this.#limits, `${path}.attributes`, this.#limits.maxAttributes)
    row['Events.Timestamp'].push(timestampText(seconds, nanos))
    row['Events.Name'].push(stringField(event, 'name', 'name', `${path}.name`, this.#limits.maxNameBytes))
    row['Events.Attributes'].push(attributes)
  }

  /** Appends the link; returns the problem that rejects its span, if any. */
  #readLink(value: unknown, path: string, row: SpanRow, dropped: DroppedFromSpan): string | undefined {
    const link = objectAt(value, path)
    let problem: string | undefined
    const traceIdText = stringField(link, 'traceId', 'trace_id', `${path}.traceId`, maxIdBytes)
    const traceId = traceIdText === '' ? '' : hexIdFromText(traceIdText, 32)
    if (traceId === undefined) problem = 'links[].traceId: expected 32 hex digits or empty'
    const spanIdText = stringField(link, 'spanId', 'span_id', `${path}.spanId`, maxIdBytes)
    const spanId = spanIdText === '' ? '' : hexIdFromText(spanIdText, 16)
    if (spanId === undefined) problem ??= 'links[].spanId: expected 16 hex digits or empty'
    const attributes: AttributeMap = newAttributeMap()
    dropped.nestedAttributes += readAttributesInto(link.attributes, attributes, this.#limits, `${path}.attributes`, this.#limits.maxAttributes)
    row['Links.TraceId'].push(traceId ?? '')
    row['Links.SpanId'].push(spanId ?? '')
    row['Links.TraceState'].push(stringField(link, 'traceState', 'trace_state', `${path}.traceState`, this.#limits.maxTraceStateBytes))
    row['Links.Attributes'].push(attributes)
    return problem
  }
}

/** What was left out of one span while it was read, reported only if the span is kept. */
interface DroppedFromSpan {
  nestedAttributes: number
  timedEvents: number
  /** Where the first event dropped for its time is, and why. */
  firstTimedEventPath: string
  firstTimedEventProblem: string
}

function invalid(path: string, problem: string): OtlpDecodeError {
  return new OtlpDecodeError({ code: 'invalid_field', message: `${path}: ${problem}`, path })
}

function objectAt(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'expected an object')
  return value as JsonObject
}

function field(object: JsonObject, camelName: string, snakeName: string): unknown {
  return object[camelName] ?? object[snakeName]
}

function arrayField(object: JsonObject, camelName: string, snakeName: string, path: string): unknown[] {
  const value = field(object, camelName, snakeName)
  if (value == null) return []
  if (!Array.isArray(value)) throw invalid(path, 'expected an array')
  return value
}

/** A string field cut to `maxBytes` UTF-8 bytes on a character boundary. */
function stringField(object: JsonObject, camelName: string, snakeName: string, path: string, maxBytes: number): string {
  const value = field(object, camelName, snakeName)
  if (value == null) return ''
  if (typeof value !== 'string') throw invalid(path, 'expected a string')
  return boundedText(value, maxBytes)
}

/** An enum as its number or its proto name (`SPAN_KIND_CLIENT`); unknown numbers pass through. */
function enumField(object: JsonObject, camelName: string, snakeName: string, byName: ReadonlyMap<string, number>, path: string): number {
  const value = field(object, camelName, snakeName)
  if (value == null) return 0
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string') {
    const number = byName.get(value)
    if (number !== undefined) return number
  }
  throw invalid(path, `expected an integer or one of ${[...byName.keys()].join(', ')}`)
}

/** A fixed64 nanosecond time as [seconds, nanos]; JSON carries it as a decimal string or a number. */
function unixNanosField(object: JsonObject, camelName: string, snakeName: string, path: string): [number, number] {
  const value = field(object, camelName, snakeName)
  if (value == null) return [0, 0]
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return [Math.floor(value / 1e9), value % 1e9]
    if (Number.isInteger(value) && value > 0) {
      const split = splitUnixNanosText(BigInt(value).toString())
      if (split !== undefined) return split
    }
  } else if (typeof value === 'string') {
    const split = splitUnixNanosText(value)
    if (split !== undefined) return split
  }
  throw invalid(path, 'expected unsigned 64-bit nanoseconds as a decimal string or a number')
}
