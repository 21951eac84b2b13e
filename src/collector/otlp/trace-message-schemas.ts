import { messageSchema, wireFixed32, wireFixed64, wireLengthDelimited, wireVarint } from './protobuf-reader.js'

/*
 * The messages of an OTLP trace export request that the protobuf decoder walks, with the
 * wire type each field must carry. Checked against opentelemetry-proto:
 * collector/trace/v1/trace_service.proto, trace/v1/trace.proto, resource/v1/resource.proto
 * and common/v1/common.proto. Fields listed here but never read (dropped counts, flags,
 * schema URLs) are still checked for their wire type before they are skipped.
 */

export const requestSchema = messageSchema('ExportTraceServiceRequest', { 1: ['resource_spans', wireLengthDelimited] })
export const resourceSpansSchema = messageSchema('ResourceSpans', {
  1: ['resource', wireLengthDelimited],
  2: ['scope_spans', wireLengthDelimited],
  3: ['schema_url', wireLengthDelimited],
})
export const resourceSchema = messageSchema('Resource', {
  1: ['attributes', wireLengthDelimited],
  2: ['dropped_attributes_count', wireVarint],
  3: ['entity_refs', wireLengthDelimited],
})
export const scopeSpansSchema = messageSchema('ScopeSpans', {
  1: ['scope', wireLengthDelimited],
  2: ['spans', wireLengthDelimited],
  3: ['schema_url', wireLengthDelimited],
})
export const scopeSchema = messageSchema('InstrumentationScope', {
  1: ['name', wireLengthDelimited],
  2: ['version', wireLengthDelimited],
  3: ['attributes', wireLengthDelimited],
  4: ['dropped_attributes_count', wireVarint],
})
export const spanSchema = messageSchema('Span', {
  1: ['trace_id', wireLengthDelimited],
  2: ['span_id', wireLengthDelimited],
  3: ['trace_state', wireLengthDelimited],
  4: ['parent_span_id', wireLengthDelimited],
  5: ['name', wireLengthDelimited],
  6: ['kind', wireVarint],
  7: ['start_time_unix_nano', wireFixed64],
  8: ['end_time_unix_nano', wireFixed64],
  9: ['attributes', wireLengthDelimited],
  10: ['dropped_attributes_count', wireVarint],
  11: ['events', wireLengthDelimited],
  12: ['dropped_events_count', wireVarint],
  13: ['links', wireLengthDelimited],
  14: ['dropped_links_count', wireVarint],
  15: ['status', wireLengthDelimited],
  16: ['flags', wireFixed32],
})
export const eventSchema = messageSchema('Span.Event', {
  1: ['time_unix_nano', wireFixed64],
  2: ['name', wireLengthDelimited],
  3: ['attributes', wireLengthDelimited],
  4: ['dropped_attributes_count', wireVarint],
})
export const linkSchema = messageSchema('Span.Link', {
  1: ['trace_id', wireLengthDelimited],
  2: ['span_id', wireLengthDelimited],
  3: ['trace_state', wireLengthDelimited],
  4: ['attributes', wireLengthDelimited],
  5: ['dropped_attributes_count', wireVarint],
  6: ['flags', wireFixed32],
})
export const statusSchema = messageSchema('Status', { 2: ['message', wireLengthDelimited], 3: ['code', wireVarint] })
