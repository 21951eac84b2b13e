import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf, isOtlpDecodeError, type OtlpDecodeError } from '../../src/collector/otlp/decode-protobuf.js'
import {
  bytesField,
  concat,
  doubleField,
  fixed32Field,
  fixed64Field,
  groupField,
  messageField,
  requestWithSpans,
  spanIdBytes,
  stringAttribute,
  tag,
  traceIdBytes,
  validSpanFields,
  varint,
  varintField,
  type Field,
} from './protobuf-writer.js'

function decodeError(bytes: Uint8Array): OtlpDecodeError {
  try {
    decodeTraceRequestProtobuf(bytes)
  } catch (error) {
    if (isOtlpDecodeError(error)) return error
    throw error
  }
  throw new Error('expected the request to be refused')
}

function intAttribute(key: string, value: bigint): Field {
  return messageField(9, bytesField(1, key), messageField(2, varintField(3, value)))
}

/** Unknown fields of every wire type, a nested group included, as a newer sender may add. */
const unknownFields: Field[] = [
  varintField(100, 300n),
  fixed64Field(101, 7n),
  bytesField(102, 'future'),
  fixed32Field(103, 9),
  groupField(104, varintField(1, 1n), groupField(2, bytesField(3, 'deep')), fixed32Field(4, 4)),
]

describe('protobuf wire handling', () => {
  it('skips unknown fields of every wire type at every level', () => {
    const request = (extra: Field[]): Uint8Array =>
      concat(
        ...extra,
        messageField(
          1,
          ...extra,
          messageField(1, ...extra, messageField(1, bytesField(1, 'service.name'), messageField(2, ...extra, bytesField(1, 'svc')), ...extra)),
          messageField(
            2,
            ...extra,
            messageField(1, bytesField(1, 'scope'), ...extra, bytesField(2, '1.0')),
            messageField(
              2,
              ...validSpanFields('span', ...extra),
              messageField(11, fixed64Field(1, 5n), ...extra, bytesField(2, 'event')),
              messageField(13, bytesField(1, traceIdBytes), ...extra, bytesField(2, spanIdBytes)),
              messageField(15, ...extra, varintField(3, 2n), bytesField(2, 'failed')),
            ),
          ),
        ),
      )
    const plain = decodeTraceRequestProtobuf(request([]))
    expect(plain.rows).toHaveLength(1)
    expect(decodeTraceRequestProtobuf(request(unknownFields))).toEqual(plain)
    expect(plain.rows[0]).toMatchObject({
      ServiceName: 'svc',
      ScopeName: 'scope',
      ScopeVersion: '1.0',
      StatusCode: 'Error',
      StatusMessage: 'failed',
      'Events.Name': ['event'],
      // 5 ns after the epoch: seconds padded to ten digits, which every date_time_input_format reads as Unix time.
      'Events.Timestamp': ['0000000000.000000005'],
      'Links.TraceId': ['0af7651916cd43dd8448eb211c80319c'],
    })
  })

  it('applies the resource and scope even when they follow their spans on the wire', () => {
    const bytes = messageField(
      1,
      messageField(2, messageField(2, ...validSpanFields('late')), messageField(1, bytesField(1, 'late-scope'))),
      messageField(1, stringAttribute(1, 'service.name', 'late-service')),
    )
    expect(decodeTraceRequestProtobuf(bytes).rows[0]).toMatchObject({
      ServiceName: 'late-service',
      ScopeName: 'late-scope',
      ResourceAttributes: { 'service.name': 'late-service' },
    })
  })

  it('decodes a Buffer that is a slice of a larger pooled buffer', () => {
    const request = requestWithSpans([validSpanFields('pooled')])
    const pool = Buffer.alloc(request.length + 100, 0xff)
    pool.set(request, 37)
    const result = decodeTraceRequestProtobuf(pool.subarray(37, 37 + request.length))
    expect(result.rows[0]?.SpanName).toBe('pooled')
  })

  it('keeps 64-bit integers exact, including ten-byte negative varints', () => {
    const bytes = requestWithSpans([
      validSpanFields(
        'ints',
        intAttribute('minus_one', -1n),
        intAttribute('max', 9_223_372_036_854_775_807n),
        intAttribute('min', -9_223_372_036_854_775_808n),
        intAttribute('beyond_double', 9_007_199_254_740_993n),
        intAttribute('small_negative', -4_294_967_297n),
      ),
    ])
    expect(decodeTraceRequestProtobuf(bytes).rows[0]?.SpanAttributes).toEqual({
      minus_one: '-1',
      max: '9223372036854775807',
      min: '-9223372036854775808',
      beyond_double: '9007199254740993',
      small_negative: '-4294967297',
    })
  })

  it('formats the extreme storable timestamps exactly and gives a span that ends before it starts duration 0', () => {
    const span = (name: string, start: bigint, end: bigint): Field[] => [
      bytesField(1, traceIdBytes),
      bytesField(2, spanIdBytes),
      bytesField(5, name),
      fixed64Field(7, start),
      fixed64Field(8, end),
    ]
    const rows = decodeTraceRequestProtobuf(
      requestWithSpans([
        span('last', 4_294_967_295_999_999_999n, 4_294_967_295_999_999_999n),
        span('backwards', 1_767_225_600_000_000_500n, 1_767_225_600_000_000_499n),
        span('long', 1n, 4_294_967_295_999_999_999n),
        span('before 2001', 999_999_999_000_000_000n, 999_999_999_000_000_001n),
      ]),
    ).rows
    expect(rows.map((row) => [row.SpanName, row.Timestamp, row.Duration])).toEqual([
      ['last', '4294967295.999999999', '0'],
      ['backwards', '1767225600.000000500', '0'],
      ['long', '0000000000.000000001', '4294967295999999998'],
      ['before 2001', '0999999999.000000000', '1'],
    ])
  })

  it('writes unknown enum values as the empty word, as pdata String() does', () => {
    const row = decodeTraceRequestProtobuf(
      requestWithSpans([validSpanFields('odd', varintField(6, 9n), messageField(15, varintField(3, -1n)))]),
    ).rows[0]
    expect(row).toMatchObject({ SpanKind: '', StatusCode: '' })
  })

  it('treats empty values and profile string-table references as empty, and the last duplicate key as the value', () => {
    const row = decodeTraceRequestProtobuf(
      requestWithSpans([
        validSpanFields(
          'values',
          messageField(9, bytesField(1, 'empty'), messageField(2)),
          messageField(9, bytesField(1, 'no_value')),
          messageField(9, bytesField(1, 'strindex'), messageField(2, varintField(8, 3n))),
          stringAttribute(9, 'dup', 'first'),
          stringAttribute(9, 'dup', 'second'),
          stringAttribute(9, '__proto__', 'kept'),
          messageField(9, bytesField(1, 'neg_zero'), messageField(2, doubleField(4, -0))),
        ),
      ]),
    ).rows[0]
    expect(row?.SpanAttributes).toEqual({ empty: '', no_value: '', strindex: '', dup: 'second', ['__proto__']: 'kept', neg_zero: '-0' })
    expect(Object.keys(row?.SpanAttributes ?? {})).toContain('__proto__')
  })
})

describe('malformed protobuf', () => {
  it('names a truncated varint and its byte offset', () => {
    const error = decodeError(Uint8Array.from([0x0a, 0x80]))
    expect(error.code).toBe('malformed_protobuf')
    expect(error.offset).toBe(1)
    expect(error.message).toBe('protobuf: truncated length varint at byte 1')
  })

  it('refuses a length that runs past the end of the body or of the enclosing message', () => {
    expect(decodeError(Uint8Array.from([0x0a, 0x05, 0x00])).message).toMatch(/length 5 runs past the end of the enclosing message \(1 bytes left\) at byte 1/)
    // A span whose name claims more bytes than the span holds, though the body has them.
    const span = Uint8Array.from([...tag(5, 2), ...varint(10), 0x61])
    const bytes = messageField(1, messageField(2, bytesField(2, span), bytesField(3, 'x'.repeat(20))))
    expect(decodeError(bytes).message).toMatch(/length 10 runs past the end of the enclosing message/)
  })

  it('refuses a known field that arrives with the wrong wire type', () => {
    const error = decodeError(requestWithSpans([[varintField(1, 5n), ...validSpanFields().slice(1)]]))
    expect(error.message).toMatch(/Span\.trace_id \(field 1\) has wire type 0 \(varint\), expected 2 \(length-delimited\) at byte \d+/)
    expect(decodeError(requestWithSpans([validSpanFields('x', bytesField(7, 'not a time'))])).message).toMatch(/Span\.start_time_unix_nano/)
    expect(decodeError(Uint8Array.from([0x08, 0x01])).message).toMatch(/ExportTraceServiceRequest\.resource_spans/)
  })

  it('refuses invalid wire types, field number 0, stray end-groups and over-long varints', () => {
    expect(decodeError(Uint8Array.from([...tag(20, 7), 0])).message).toMatch(/invalid wire type 7 for field 20/)
    expect(decodeError(Uint8Array.from([...tag(20, 6), 0])).message).toMatch(/invalid wire type 6/)
    expect(decodeError(Uint8Array.from([0x02, 0x00])).message).toMatch(/field number 0/)
    expect(decodeError(Uint8Array.from(tag(20, 4))).message).toMatch(/end-group tag for field 20 without a matching start-group/)
    expect(decodeError(Uint8Array.from([...tag(20, 3), ...tag(21, 4)])).message).toMatch(/closes group 20/)
    expect(decodeError(Uint8Array.from(tag(20, 3))).message).toMatch(/unterminated group/)
    const elevenBytes = Uint8Array.from([...tag(3, 0), ...new Array<number>(10).fill(0xff), 0x01])
    expect(decodeError(requestWithSpans([validSpanFields('x', messageField(9, bytesField(1, 'k'), bytesField(2, elevenBytes)))])).message).toMatch(
      /varint longer than 10 bytes/,
    )
  })

  it('refuses attribute values nested deeper than the limit', () => {
    let value: Uint8Array = varintField(3, 1n)
    for (let depth = 0; depth < 40; depth++) value = messageField(5, messageField(1, value))
    const bytes = requestWithSpans([validSpanFields('deep', messageField(9, bytesField(1, 'deep'), bytesField(2, value)))])
    expect(decodeError(bytes).code).toBe('too_deep')
    expect(decodeTraceRequestProtobuf(bytes, { maxValueDepth: 64 }).rows[0]?.SpanAttributes.deep).toMatch(/^\[{40}1\]{40}$/)
  })
})
