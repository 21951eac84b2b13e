/*
 * The words the clickhouse exporter writes for enums: pdata's `SpanKind.String()` and
 * `StatusCode.String()`, which give '' for a value outside the enum.
 */

const spanKindWords: readonly string[] = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const statusCodeWords: readonly string[] = ['Unset', 'Ok', 'Error']

export function spanKindWord(kind: number): string {
  return spanKindWords[kind] ?? ''
}

export function statusCodeWord(code: number): string {
  return statusCodeWords[code] ?? ''
}

/** Enum names accepted in OTLP/JSON in place of the numbers. */
export const spanKindByName: ReadonlyMap<string, number> = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
])

export const statusCodeByName: ReadonlyMap<string, number> = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
])
