/**
 * One row of `otel_traces`, shaped exactly as the contrib `clickhouse` exporter writes
 * it, ready to be serialized as one JSONEachRow line. Keys are the column names
 * (Nested columns flattened as `Events.Name` ...), so the JSON line needs no mapping.
 */
export interface SpanRow {
  /** Span start as `"<unix seconds>.<9 digits of nanoseconds>"`: parsed by ClickHouse independently of the server's timezone. */
  Timestamp: string
  /** 32 lowercase hex digits, or '' when the id is all zeros. */
  TraceId: string
  /** 16 lowercase hex digits. */
  SpanId: string
  /** 16 lowercase hex digits, or '' for a root span. */
  ParentSpanId: string
  TraceState: string
  SpanName: string
  /** `Unspecified` | `Internal` | `Server` | `Client` | `Producer` | `Consumer` */
  SpanKind: string
  /** The resource's `service.name`, or '' when absent. */
  ServiceName: string
  ResourceAttributes: Record<string, string>
  ScopeName: string
  ScopeVersion: string
  SpanAttributes: Record<string, string>
  /** End minus start in nanoseconds, as a decimal string (UInt64 exceeds a JS number's exact range). */
  Duration: string
  /** `Unset` | `Ok` | `Error` */
  StatusCode: string
  StatusMessage: string
  'Events.Timestamp': string[]
  'Events.Name': string[]
  'Events.Attributes': Record<string, string>[]
  'Links.TraceId': string[]
  'Links.SpanId': string[]
  'Links.TraceState': string[]
  'Links.Attributes': Record<string, string>[]
}

/** The columns of a SpanRow in `otel_traces` order, for the compact (array) row format. */
export const spanRowColumns = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
  'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
  'Events.Timestamp', 'Events.Name', 'Events.Attributes',
  'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
] as const satisfies readonly (keyof SpanRow)[]
