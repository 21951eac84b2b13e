import { newAttributeMap, type AttributeMap } from './attribute-map.js'
import { resolveDecodeLimits, type DecodeLimits, type ResolvedDecodeLimits } from './decode-limits.js'
import type { DecodeResult } from './decode-result.js'
import { hexIdFromText } from './hex-id.js'
import { readAttributesInto, wellFormed } from './json-attributes.js'
import { newSpanRow } from './new-span-row.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { SpanRejections } from './span-rejections.js'
import type { SpanRow } from './span-row.js'
import { spanKindByName, spanKindWord, statusCodeByName, statusCodeWord } from './span-row-words.js'
import { durationText, splitUnixNanosText, timestampText } from './unix-nanos.js'

export { OtlpDecodeError, isOtlpDecodeError } from './otlp-decode-error.js'
export type { DecodeLimits } from './decode-limits.js'
export type { DecodeResult } from './decode-result.js'

type JsonObject = Record<string, unknown>

/**
 * Decodes an OTLP/HTTP JSON `ExportTraceServiceRequest` into `otel_traces` rows, the same
 * rows decodeTraceRequestProtobuf gives for the same spans. Follows the OTLP JSON mapping:
 * lowerCamelCase keys (snake_case accepted too), hex ids in any case, enums as numbers or
 * names, 64-bit integers as numbers or strings; unknown fields are ignored and null counts
 * as absent. A span with an invalid id is rejected alone; invalid JSON or a field of the
 * wrong type throws OtlpDecodeError naming the field's path.
 */
export function decodeTraceRequestJson(text: string, limits?: DecodeLimits): DecodeResult {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new OtlpDecodeError({
      code: 'malformed_json',
      message: `request body is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    })
  }
  const decoder = new JsonTraceRequestDecoder(resolveDecodeLimits(limits))
  decoder.readRequest(body)
  return { rows: decoder.rows, rejected: decoder.rejections.count, errors: decoder.rejections.messages }
}

class JsonTraceRequestDecoder {
  readonly rows: SpanRow[] = []
  readonly rejections = new SpanRejections()
  private readonly limits: ResolvedDecodeLimits
  private spanCount = 0

  constructor(limits: ResolvedDecodeLimits) {
    this.limits = limits
  }

  readRequest(body: unknown): void {
    const request = objectAt(body, '(request body)')
    const resourceSpans = arrayField(request, 'resourceSpans', 'resource_spans', 'resourceSpans')
    for (let index = 0; index < resourceSpans.length; index++) {
      this.readResourceSpans(resourceSpans[index], `resourceSpans[${index}]`)
    }
  }

  private readResourceSpans(value: unknown, path: string): void {
    const resourceSpans = objectAt(value, path)
    const resourceAttributes: AttributeMap = newAttributeMap()
    const resource = resourceSpans.resource
    if (resource != null) {
      const resourcePath = `${path}.resource`
      readAttributesInto(objectAt(resource, resourcePath).attributes, resourceAttributes, this.limits, `${resourcePath}.attributes`)
    }
    const serviceName = Object.hasOwn(resourceAttributes, 'service.name') ? resourceAttributes['service.name']! : ''
    const scopeSpans = arrayField(resourceSpans, 'scopeSpans', 'scope_spans', `${path}.scopeSpans`)
    for (let index = 0; index < scopeSpans.length; index++) {
      this.readScopeSpans(scopeSpans[index], `${path}.scopeSpans[${index}]`, resourceAttributes, serviceName)
    }
  }

  private readScopeSpans(value: unknown, path: string, resourceAttributes: AttributeMap, serviceName: string): void {
    const scopeSpans = objectAt(value, path)
    let scopeName = ''
    let scopeVersion = ''
    if (scopeSpans.scope != null) {
      const scope = objectAt(scopeSpans.scope, `${path}.scope`)
      scopeName = stringField(scope, 'name', 'name', `${path}.scope.name`)
      scopeVersion = stringField(scope, 'version', 'version', `${path}.scope.version`)
    }
    const spans = arrayField(scopeSpans, 'spans', 'spans', `${path}.spans`)
    for (let index = 0; index < spans.length; index++) {
      const row = this.readSpan(spans[index], `${path}.spans[${index}]`, resourceAttributes)
      if (row === undefined) continue
      row.ServiceName = serviceName
      row.ScopeName = scopeName
      row.ScopeVersion = scopeVersion
      this.rows.push(row)
    }
  }

  /** The span's row, or undefined when the span is rejected. */
  private readSpan(value: unknown, path: string, resourceAttributes: AttributeMap): SpanRow | undefined {
    if (++this.spanCount > this.limits.maxSpans) {
      throw new OtlpDecodeError({
        code: 'too_many_spans',
        message: `request holds more than ${this.limits.maxSpans} spans; send smaller batches`,
        path,
      })
    }
    const span = objectAt(value, path)
    const row = newSpanRow(resourceAttributes)
    let problem: string | undefined

    const traceId = hexIdFromText(stringField(span, 'traceId', 'trace_id', `${path}.traceId`), 32)
    if (traceId === undefined) problem = 'traceId: expected 32 hex digits'
    else if (traceId === '') problem = 'traceId is all zeros'
    else row.TraceId = traceId
    const spanId = hexIdFromText(stringField(span, 'spanId', 'span_id', `${path}.spanId`), 16)
    if (spanId === undefined) problem ??= 'spanId: expected 16 hex digits'
    else if (spanId === '') problem ??= 'spanId is all zeros'
    else row.SpanId = spanId
    const parentText = stringField(span, 'parentSpanId', 'parent_span_id', `${path}.parentSpanId`)
    if (parentText !== '') {
      const parentSpanId = hexIdFromText(parentText, 16)
      if (parentSpanId === undefined) problem ??= 'parentSpanId: expected 16 hex digits or empty'
      else row.ParentSpanId = parentSpanId
    }

    row.TraceState = stringField(span, 'traceState', 'trace_state', `${path}.traceState`)
    row.SpanName = stringField(span, 'name', 'name', `${path}.name`)
    row.SpanKind = spanKindWord(enumField(span, 'kind', 'kind', spanKindByName, `${path}.kind`))
    const [startSeconds, startNanos] = unixNanosField(span, 'startTimeUnixNano', 'start_time_unix_nano', `${path}.startTimeUnixNano`)
    const [endSeconds, endNanos] = unixNanosField(span, 'endTimeUnixNano', 'end_time_unix_nano', `${path}.endTimeUnixNano`)
    row.Timestamp = timestampText(startSeconds, startNanos)
    row.Duration = durationText(startSeconds, startNanos, endSeconds, endNanos)
    readAttributesInto(span.attributes, row.SpanAttributes, this.limits, `${path}.attributes`)

    const events = arrayField(span, 'events', 'events', `${path}.events`)
    for (let index = 0; index < events.length; index++) this.readEvent(events[index], `${path}.events[${index}]`, row)
    const links = arrayField(span, 'links', 'links', `${path}.links`)
    for (let index = 0; index < links.length; index++) {
      problem ??= this.readLink(links[index], `${path}.links[${index}]`, row)
    }
    if (span.status != null) {
      const status = objectAt(span.status, `${path}.status`)
      row.StatusMessage = stringField(status, 'message', 'message', `${path}.status.message`)
      row.StatusCode = statusCodeWord(enumField(status, 'code', 'code', statusCodeByName, `${path}.status.code`))
    }

    if (problem === undefined) return row
    this.rejections.reject(path, problem)
    return undefined
  }

  private readEvent(value: unknown, path: string, row: SpanRow): void {
    const event = objectAt(value, path)
    const [seconds, nanos] = unixNanosField(event, 'timeUnixNano', 'time_unix_nano', `${path}.timeUnixNano`)
    const attributes: AttributeMap = newAttributeMap()
    readAttributesInto(event.attributes, attributes, this.limits, `${path}.attributes`)
    row['Events.Timestamp'].push(timestampText(seconds, nanos))
    row['Events.Name'].push(stringField(event, 'name', 'name', `${path}.name`))
    row['Events.Attributes'].push(attributes)
  }

  /** Appends the link; returns the problem that rejects its span, if any. */
  private readLink(value: unknown, path: string, row: SpanRow): string | undefined {
    const link = objectAt(value, path)
    let problem: string | undefined
    const traceIdText = stringField(link, 'traceId', 'trace_id', `${path}.traceId`)
    const traceId = traceIdText === '' ? '' : hexIdFromText(traceIdText, 32)
    if (traceId === undefined) problem = 'links[].traceId: expected 32 hex digits or empty'
    const spanIdText = stringField(link, 'spanId', 'span_id', `${path}.spanId`)
    const spanId = spanIdText === '' ? '' : hexIdFromText(spanIdText, 16)
    if (spanId === undefined) problem ??= 'links[].spanId: expected 16 hex digits or empty'
    const attributes: AttributeMap = newAttributeMap()
    readAttributesInto(link.attributes, attributes, this.limits, `${path}.attributes`)
    row['Links.TraceId'].push(traceId ?? '')
    row['Links.SpanId'].push(spanId ?? '')
    row['Links.TraceState'].push(stringField(link, 'traceState', 'trace_state', `${path}.traceState`))
    row['Links.Attributes'].push(attributes)
    return problem
  }
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

function stringField(object: JsonObject, camelName: string, snakeName: string, path: string): string {
  const value = field(object, camelName, snakeName)
  if (value == null) return ''
  if (typeof value !== 'string') throw invalid(path, 'expected a string')
  return wellFormed(value)
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
