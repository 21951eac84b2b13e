import { newAttributeMap, type AttributeMap } from './attribute-map.js'
import type { SpanRow } from './span-row.js'

/**
 * A row with every column at its empty value, for a decoder to fill in as fields arrive
 * (OTLP allows fields in any order). Every row is built by this one literal so all rows
 * share one object shape, which keeps the decoders and JSON.stringify on V8's fast paths.
 */
export function newSpanRow(resourceAttributes: AttributeMap): SpanRow {
  return {
    Timestamp: '0.000000000',
    TraceId: '',
    SpanId: '',
    ParentSpanId: '',
    TraceState: '',
    SpanName: '',
    SpanKind: 'Unspecified',
    ServiceName: '',
    ResourceAttributes: resourceAttributes,
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: newAttributeMap(),
    Duration: '0',
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  }
}
