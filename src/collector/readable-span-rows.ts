import type { Attributes, HrTime } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { newAttributeMap, type AttributeMap } from './otlp/attribute-map.js'
import type { ResolvedDecodeLimits } from './otlp/decode-limits.js'
import type { DecodeResult } from './otlp/decode-result.js'
import { newSpanRow } from './otlp/new-span-row.js'
import { doubleJson, formatDouble, quoteJsonString } from './otlp/pdata-as-string.js'
import type { SpanRow } from './otlp/span-row.js'
import { spanKindWord, statusCodeWord } from './otlp/span-row-words.js'
import { durationText, timestampText, unixTimeProblem } from './otlp/unix-nanos.js'

/*
 * Finished spans of this process straight to `otel_traces` rows, for the spans whose row
 * is certain to be the one the OTLP path gives (the SDK's protobuf serializer, then
 * decodeTraceRequestProtobuf): every id valid lowercase hex, every time storable, every
 * string well-formed UTF-16 within its byte limit, every value a string, boolean, number
 * or a flat array of those, every count within its limit. Anything else (an invalid or
 * uppercase id, a string to cut, an attribute the decoder would drop, bytes, maps,
 * integers past 2^53) makes the whole batch take the OTLP path, which rejects, cuts and
 * drops with its messages: this file never decides what to refuse, only what it is
 * sure of. test/collector/collector-pipeline.test.ts compares the rows of both paths.
 */

/** The reason the batch must take the OTLP path: thrown inside, caught by readableSpanRows. */
const notCertain = Symbol('not certain')

const lowerHexTraceId = /^[0-9a-f]{32}$/
const lowerHexSpanId = /^[0-9a-f]{16}$/
const allZeros = /^0+$/
const nanosPerSecond = 1_000_000_000
const minInt64 = -(2 ** 63)
const maxInt64Exclusive = 2 ** 63
/** The serializer writes seconds * 1e9 + nanos as a uint64, exact up to here (about the year 2554). */
const maxSerializedSeconds = 18_446_744_072

/**
 * The rows of `spans` exactly as `POST /v1/traces` would store them from the SDK's
 * protobuf export, in the same order (grouped by resource, then scope, as the serializer
 * groups them), or undefined when some span is not certain to give the same row this
 * way: then the caller serializes the batch and decodes it.
 */
export function readableSpanRows(spans: readonly ReadableSpan[], limits: ResolvedDecodeLimits): DecodeResult | undefined {
  if (spans.length > limits.maxSpans) return undefined
  try {
    return { rows: rowsOf(spans, limits), rejected: 0, dropped: 0, errors: [] }
  } catch (error) {
    if (error === notCertain) return undefined
    throw error
  }
}

function rowsOf(spans: readonly ReadableSpan[], limits: ResolvedDecodeLimits): SpanRow[] {
  // As the serializer's createResourceMap: by resource, then by scope, both by identity, in first-seen order.
  const groups = new Map<ReadableSpan['resource'], Map<ReadableSpan['instrumentationScope'], ReadableSpan[]>>()
  for (const span of spans) {
    let scopes = groups.get(span.resource)
    if (scopes === undefined) groups.set(span.resource, (scopes = new Map()))
    const group = scopes.get(span.instrumentationScope)
    if (group === undefined) scopes.set(span.instrumentationScope, [span])
    else group.push(span)
  }
  const rows: SpanRow[] = []
  for (const [resource, scopes] of groups) {
    const resourceAttributes = attributeMapOf(resource.attributes, limits)
    const serviceName = Object.hasOwn(resourceAttributes, 'service.name') ? resourceAttributes['service.name']! : ''
    for (const [scope, group] of scopes) {
      const scopeName = text(scope.name, limits.maxNameBytes)
      const scopeVersion = scope.version ? text(scope.version, limits.maxNameBytes) : ''
      for (const span of group) {
        const row = rowOf(span, resourceAttributes, limits)
        row.ServiceName = serviceName
        row.ScopeName = scopeName
        row.ScopeVersion = scopeVersion
        rows.push(row)
      }
    }
  }
  return rows
}

function rowOf(span: ReadableSpan, resourceAttributes: AttributeMap, limits: ResolvedDecodeLimits): SpanRow {
  const row = newSpanRow(resourceAttributes)
  const context = span.spanContext()
  row.TraceId = traceId(context.traceId)
  row.SpanId = spanId(context.spanId)
  const traceState = context.traceState?.serialize()
  if (traceState) row.TraceState = text(traceState, limits.maxTraceStateBytes)
  const parentSpanId = span.parentSpanContext?.spanId
  if (parentSpanId) row.ParentSpanId = optionalSpanId(parentSpanId)
  row.SpanName = text(span.name, limits.maxNameBytes)
  row.SpanKind = spanKindWord(kindNumber(span.kind))
  const [startSeconds, startNanos] = storableTime(span.startTime)
  const [endSeconds, endNanos] = storableTime(span.endTime)
  row.Timestamp = timestampText(startSeconds, startNanos)
  row.Duration = durationText(startSeconds, startNanos, endSeconds, endNanos)
  row.SpanAttributes = attributeMapOf(span.attributes, limits)
  if (span.events.length > limits.maxEvents || span.links.length > limits.maxLinks) throw notCertain
  for (const event of span.events) {
    const [seconds, nanos] = storableTime(event.time)
    row['Events.Timestamp'].push(timestampText(seconds, nanos))
    row['Events.Name'].push(text(event.name, limits.maxNameBytes))
    row['Events.Attributes'].push(attributeMapOf(event.attributes, limits))
  }
  for (const link of span.links) {
    row['Links.TraceId'].push(optionalTraceId(link.context.traceId))
    row['Links.SpanId'].push(optionalSpanId(link.context.spanId))
    const linkTraceState = link.context.traceState?.serialize()
    row['Links.TraceState'].push(linkTraceState ? text(linkTraceState, limits.maxTraceStateBytes) : '')
    row['Links.Attributes'].push(attributeMapOf(link.attributes, limits))
  }
  const { code, message } = span.status
  if (!Number.isInteger(code) || code < 0 || code > 2) throw notCertain
  row.StatusCode = statusCodeWord(code)
  if (message) row.StatusMessage = text(message, limits.maxStatusMessageBytes)
  return row
}

/** OTLP's kind number: the API's plus one (0 is unspecified). */
function kindNumber(kind: number | undefined): number {
  if (kind === undefined || kind === null) return 0
  if (!Number.isInteger(kind) || kind < 0 || kind > 4) throw notCertain
  return kind + 1
}

/** A span's own trace id: valid, and not all zeros (the decoder rejects that span). */
function traceId(id: string): string {
  if (!lowerHexTraceId.test(id) || allZeros.test(id)) throw notCertain
  return id
}

function spanId(id: string): string {
  if (!lowerHexSpanId.test(id) || allZeros.test(id)) throw notCertain
  return id
}

/** A parent's or a link's id: all zeros is stored as '' (an unset id). */
function optionalSpanId(id: string): string {
  if (!lowerHexSpanId.test(id)) throw notCertain
  return allZeros.test(id) ? '' : id
}

function optionalTraceId(id: string): string {
  if (!lowerHexTraceId.test(id)) throw notCertain
  return allZeros.test(id) ? '' : id
}

/** Seconds and nanoseconds of a time the table stores, as the serializer's uint64 would carry them. */
function storableTime(time: HrTime): [seconds: number, nanos: number] {
  const [seconds, nanos] = time
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > maxSerializedSeconds) throw notCertain
  if (!Number.isInteger(nanos) || nanos < 0 || nanos >= nanosPerSecond) throw notCertain
  if (unixTimeProblem(seconds, nanos) !== undefined) throw notCertain
  return [seconds, nanos]
}

/** A string the decoder reads back as it is: well-formed (no lone surrogate) and within `maxBytes` of UTF-8. */
function text(value: string, maxBytes: number): string {
  if (typeof value !== 'string' || !(value as unknown as WellFormedString).isWellFormed()) throw notCertain
  if (value.length * 3 > maxBytes && Buffer.byteLength(value, 'utf8') > maxBytes) throw notCertain
  return value
}

interface WellFormedString {
  isWellFormed(): boolean
}

/** Attributes as the decoder's map: in the serializer's order (own enumerable keys), each value as AsString() text. */
function attributeMapOf(attributes: Attributes | undefined, limits: ResolvedDecodeLimits): AttributeMap {
  const map = newAttributeMap()
  if (attributes === undefined) return map
  let count = 0
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue
    if (++count > limits.maxAttributes) throw notCertain
    map[text(key, limits.maxAttributeKeyBytes)] = valueText(attributes[key], limits)
  }
  return map
}

function valueText(value: unknown, limits: ResolvedDecodeLimits): string {
  switch (typeof value) {
    case 'string':
      return text(value, limits.maxAttributeValueBytes)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return numberText(value) ?? formatDouble(value)
    default:
      if (!Array.isArray(value) || limits.maxValueDepth < 1) throw notCertain
      return arrayJson(value, limits)
  }
}

/** An integer the serializer writes as int_value, as the decoder reads it back; undefined for what it writes as a double. */
function numberText(value: number): string | undefined {
  // The serializer's test: an integer in int64's range is int_value, anything else double_value.
  if (!Number.isInteger(value) || value < minInt64 || value >= maxInt64Exclusive) return undefined
  if (!Number.isSafeInteger(value)) throw notCertain
  return String(value)
}

/** A flat array as pdata's JSON; '' when Go's encoder refuses one of its doubles (as the decoder gives). */
function arrayJson(items: readonly unknown[], limits: ResolvedDecodeLimits): string {
  let json = '['
  for (let index = 0; index < items.length; index++) {
    const item = items[index]
    let itemJson: string | undefined
    if (typeof item === 'string') itemJson = quoteJsonString(text(item, limits.maxAttributeValueBytes))
    else if (typeof item === 'boolean') itemJson = item ? 'true' : 'false'
    else if (typeof item === 'number') itemJson = numberText(item) ?? doubleJson(item)
    else throw notCertain
    if (itemJson === undefined) return ''
    json += index === 0 ? itemJson : `,${itemJson}`
  }
  return `${json}]`
}
