import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { newSpanRow } from '../../src/collector/otlp/new-span-row.js'
import { spanRowColumns, type SpanRow } from '../../src/collector/otlp/span-row.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'

/** What the encoder wrote before it put lines together from parts: JSON.stringify of each row's array. */
function referenceEncoding(rows: readonly SpanRow[]): Buffer {
  return Buffer.from(rows.map((row) => `${JSON.stringify(spanRowColumns.map((column) => row[column]))}\n`).join(''), 'utf8')
}

describe('compact rows put together from their parts', () => {
  it('are byte for byte JSON.stringify of each row\'s array, for SDK spans across resources and scopes', () => {
    const rows = [
      ...decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(40, { workflow: 'parts-a' }), 'protobuf')).rows,
      ...decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(40, { workflow: 'parts-b' }), 'protobuf')).rows,
    ]
    expect(rows.length).toBe(80)
    expect(encodeRowsJsonCompact(rows).equals(referenceEncoding(rows))).toBe(true)
  })

  it('escape every free-text column, and write events and links, even when rows of one scope alternate their shared values', () => {
    const resource = { 'service.name': 'svc "quoted"\n', 'host.name': 'h\u2028ost' }
    const other = { 'service.name': 'other' }
    const first = newSpanRow(resource)
    Object.assign(first, {
      Timestamp: '1796698512.143000000', TraceId: '0123456789abcdef0123456789abcdef', SpanId: '0123456789abcdef', Duration: '373554',
      TraceState: 'k=v,"x"', SpanName: 'chat é中文😀 \\ back', SpanKind: 'Client', ServiceName: 'svc "quoted"\n', ScopeName: 'scope\t1', ScopeVersion: '1.0 "beta"',
      StatusCode: 'Error', StatusMessage: 'lone \ud83d surrogate, "quote" and </script>',
      'Events.Timestamp': ['1796698512.143000001'], 'Events.Name': ['exception "x"'], 'Events.Attributes': [{ 'exception.message': 'boom\n' }],
      'Links.TraceId': ['fedcba9876543210fedcba9876543210'], 'Links.SpanId': ['fedcba9876543210'], 'Links.TraceState': ['a=b'], 'Links.Attributes': [{ why: 'follows "from"' }],
    })
    first.SpanAttributes['gen_ai.request.model'] = 'gpt "4"'
    // Same resource object, another scope; then another resource; then the first again.
    const second = { ...newSpanRow(resource), ScopeName: 'scope 2', ServiceName: first.ServiceName }
    const third = { ...newSpanRow(other), ServiceName: 'other' }
    const fourth = { ...first, SpanAttributes: { ...first.SpanAttributes, extra: '"' } }
    // The resource's attributes change between two encodings: the second must not reuse the first's text.
    const rows = [first, second, third, fourth]
    expect(encodeRowsJsonCompact(rows).equals(referenceEncoding(rows))).toBe(true)
    resource['host.name'] = 'changed'
    expect(encodeRowsJsonCompact(rows).equals(referenceEncoding(rows))).toBe(true)
    for (const line of encodeRowsJsonCompact(rows).toString('utf8').trimEnd().split('\n')) expect(JSON.parse(line)).toHaveLength(spanRowColumns.length)
  })
})
