import { describe, expect, it } from 'vitest'
import { decodeTraceRequestJson, isOtlpDecodeError, type DecodeLimits, type OtlpDecodeError } from '../../src/collector/otlp/decode-json.js'
import { recordSdkSpans, toJson } from './sdk-spans.js'

const traceId = '0af7651916cd43dd8448eb211c80319c'
const spanId = 'b7ad6b7169203331'

const times = { startTimeUnixNano: '1767225600000000001', endTimeUnixNano: '1767225600000001001' }

/** A request of one span, with storable start and end times unless the span gives its own. */
function request(span: Record<string, unknown>, resource: unknown = { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }): string {
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'scope', version: '1' }, spans: [{ ...times, ...span }] }] }] })
}

function attributesRequest(attributes: unknown[]): string {
  return request({ traceId, spanId, name: 'span', attributes })
}

function decodeError(text: string, limits?: DecodeLimits): OtlpDecodeError {
  try {
    decodeTraceRequestJson(text, limits)
  } catch (error) {
    if (isOtlpDecodeError(error)) return error
    throw error
  }
  throw new Error('expected the request to be refused')
}

describe('OTLP/JSON decoding', () => {
  it('accepts the snake_case field names, enum names, uppercase hex ids and numeric times', () => {
    const camel = decodeTraceRequestJson(
      request({
        traceId,
        spanId,
        parentSpanId: '00f067aa0ba902b7',
        traceState: 'vendor=1',
        name: 'span',
        kind: 3,
        startTimeUnixNano: '1767225600000000001',
        endTimeUnixNano: '1767225600000001001',
        attributes: [{ key: 'k', value: { intValue: '7' } }],
        events: [{ timeUnixNano: '1767225600000000500', name: 'e', attributes: [{ key: 'x', value: { boolValue: true } }] }],
        links: [{ traceId, spanId, traceState: 'a=b', attributes: [] }],
        status: { code: 2, message: 'boom' },
      }),
    )
    const snake = decodeTraceRequestJson(
      JSON.stringify({
        resource_spans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
            scope_spans: [
              {
                scope: { name: 'scope', version: '1' },
                spans: [
                  {
                    trace_id: traceId.toUpperCase(),
                    span_id: spanId.toUpperCase(),
                    parent_span_id: '00F067AA0BA902B7',
                    trace_state: 'vendor=1',
                    name: 'span',
                    kind: 'SPAN_KIND_CLIENT',
                    start_time_unix_nano: Number('1767225600000000001'),
                    end_time_unix_nano: '1767225600000001001',
                    attributes: [{ key: 'k', value: { int_value: 7 } }],
                    events: [{ time_unix_nano: '1767225600000000500', name: 'e', attributes: [{ key: 'x', value: { bool_value: true } }] }],
                    links: [{ trace_id: traceId, span_id: spanId, trace_state: 'a=b', attributes: null }],
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                    unknown_field: { ignored: true },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
    expect(camel.rows[0]).toMatchObject({
      TraceId: traceId,
      ParentSpanId: '00f067aa0ba902b7',
      TraceState: 'vendor=1',
      SpanKind: 'Client',
      StatusCode: 'Error',
      Duration: '1000',
      SpanAttributes: { k: '7' },
      'Events.Timestamp': ['1767225600.000000500'],
      'Links.TraceState': ['a=b'],
    })
    // A time given as a JSON number past 2^53 has already lost precision in JSON.parse; only the start differs.
    expect(snake.rows[0]).toEqual({ ...camel.rows[0], Timestamp: '1767225600.000000000', Duration: '1001' })
  })

  it('converts every AnyValue form as pdata AsString() would', () => {
    const [row] = decodeTraceRequestJson(
      attributesRequest([
        { key: 'nan', value: { doubleValue: 'NaN' } },
        { key: 'inf', value: { doubleValue: 'Infinity' } },
        { key: 'minus_inf', value: { doubleValue: '-Infinity' } },
        { key: 'double_text', value: { doubleValue: '1.5' } },
        { key: 'min_int', value: { intValue: '-9223372036854775808' } },
        { key: 'int_past_int64', value: { intValue: 1e21 } },
        { key: 'bytes_url_safe', value: { bytesValue: '_-8' } },
        { key: 'kvlist', value: { kvlist_value: { values: [{ key: 'b', value: { intValue: '2' } }, { key: 'a', value: {} }, { key: 'b', value: { stringValue: 'last' } }] } } },
        { key: 'array_with_nan', value: { arrayValue: { values: [{ doubleValue: 1 }, { doubleValue: 'NaN' }] } } },
        { key: 'array', value: { array_value: { values: [{ doubleValue: 1 }, { bytesValue: 'aGk=' }, null, { arrayValue: {} }] } } },
        { key: 'empty', value: {} },
        { key: 'missing' },
        { key: 'lone_surrogate', value: { stringValue: 'a\ud800b' } },
      ]),
    ).rows
    expect(row?.SpanAttributes).toEqual({
      nan: 'json: unsupported value: NaN',
      inf: 'json: unsupported value: +Inf',
      minus_inf: 'json: unsupported value: -Inf',
      double_text: '1.5',
      min_int: '-9223372036854775808',
      int_past_int64: '1e+21',
      bytes_url_safe: '/+8=',
      kvlist: '{"a":null,"b":"last"}',
      array_with_nan: '',
      array: '[1,"aGk=",null,[]]',
      empty: '',
      missing: '',
      lone_surrogate: 'a\ufffdb',
    })
  })

  it('reads an empty request and null fields as nothing', () => {
    expect(decodeTraceRequestJson('{}')).toEqual({ rows: [], rejected: 0, dropped: 0, errors: [] })
    expect(decodeTraceRequestJson('{"resourceSpans":null}').rows).toEqual([])
    const [row] = decodeTraceRequestJson(request({ traceId, spanId, name: null, kind: null, status: null, events: null }, null)).rows
    expect(row).toMatchObject({ SpanName: '', SpanKind: 'Unspecified', StatusCode: 'Unset', ServiceName: '', ResourceAttributes: {} })
  })

  it('refuses a body that is not JSON, naming the position and never quoting the body', () => {
    const error = decodeError('{"resourceSpans": [')
    expect(error.code).toBe('malformed_json')
    expect(error.message).toBe('request body is not valid JSON: unexpected end of input at position 19')
    expect(decodeError('').message).toBe('request body is not valid JSON: unexpected end of input at position 0')
    // V8's own messages quote the text around the error: `Unexpected token 's', "sk-live-..." is not valid JSON`.
    const secret = 'sk-live-0123456789abcdef'
    const cases: [string, string][] = [
      [`${secret}`, 'unexpected character where a value should start at position 0'],
      [`{"apiKey": ${secret}}`, 'unexpected character where a value should start at position 11'],
      [`{"apiKey": "${secret}" "x"}`, "expected ',' or '}' after a property value at position 38"],
      [`{"apiKey": "${secret}"}${secret}`, 'unexpected character after the JSON value at position 38'],
      [`["${secret}",]`, 'unexpected character where a value should start at position 28'],
      [`{"${secret}"}`, "expected ':' after a property name at position 27"],
      [`{${secret}: 1}`, 'expected a property name in double quotes at position 1'],
      [`["${secret}\\q"]`, 'bad escape in a string at position 27'],
      [`["${secret}\\u12x4"]`, 'bad \\u escape in a string at position 30'],
      [`["${secret}\u0001"]`, 'control character in a string at position 26'],
      [`["${secret}`, 'unterminated string at position 26'],
      [`[1, tru${secret}]`, 'unexpected character in a literal at position 7'],
      [`[-${secret}]`, 'no digit in a number at position 2'],
      [`[1.${secret}]`, 'no digit after a decimal point at position 3'],
      [`[1e${secret}]`, 'no digit in an exponent at position 3'],
      [`[[[{"a": [${secret}]}]]]`, 'unexpected character where a value should start at position 10'],
    ]
    for (const [text, expected] of cases) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError)
      const message = decodeError(text).message
      expect(message, text).toBe(`request body is not valid JSON: ${expected}`)
      expect(message).not.toContain('sk-live')
    }
  })

  it('names the path of a field of the wrong type', () => {
    const at = (text: string): string => decodeError(text).message
    expect(at('[]')).toBe('(request body): expected an object')
    expect(at('{"resourceSpans":{}}')).toBe('resourceSpans: expected an array')
    expect(at(request({ traceId, spanId, name: 5 }))).toBe('resourceSpans[0].scopeSpans[0].spans[0].name: expected a string')
    expect(at(request({ traceId: 12, spanId }))).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a string')
    expect(at(request({ traceId, spanId, kind: 'CLIENT' }))).toMatch(/spans\[0\]\.kind: expected an integer or one of SPAN_KIND_UNSPECIFIED/)
    expect(at(request({ traceId, spanId, startTimeUnixNano: '-5' }))).toMatch(/spans\[0\]\.startTimeUnixNano: expected unsigned 64-bit nanoseconds/)
    expect(at(request({ traceId, spanId, endTimeUnixNano: '18446744073709551616' }))).toMatch(/endTimeUnixNano/)
    expect(at(request({ traceId, spanId, events: [{ timeUnixNano: 1.5 }] }))).toMatch(/spans\[0\]\.events\[0\]\.timeUnixNano/)
    expect(at(attributesRequest([{ key: 'a', value: { stringValue: 'ok' } }, { key: 'b', value: { intValue: '12a' } }]))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.intValue: expected a 64-bit integer as a number or a decimal string',
    )
    expect(at(attributesRequest([{ key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, { boolValue: 'yes' }] } } }]))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[1].boolValue: expected true or false',
    )
    expect(at(attributesRequest([{ key: 'a', value: { intValue: '9223372036854775808' } }]))).toMatch(/outside the int64 range/)
    expect(at(attributesRequest([{ key: 'a', value: { bytesValue: 'not base64!' } }]))).toMatch(/bytesValue: expected a base64 string/)
    expect(at(attributesRequest([{ key: 7, value: {} }]))).toMatch(/attributes\[0\]\.key: expected a string/)
    expect(at(request({ traceId, spanId }, { attributes: 'x' }))).toBe('resourceSpans[0].resource.attributes: expected an array of {key, value} objects')
  })

  it('either decodes or refuses every truncation and seeded mutation of a real request', () => {
    const text = toJson(recordSdkSpans().spans.filter((span) => span.name !== 'chat gpt-4o'))
    const outcome = (body: string): string => {
      try {
        decodeTraceRequestJson(body)
        return 'decoded'
      } catch (error) {
        if (isOtlpDecodeError(error)) return error.code
        throw error
      }
    }
    for (let length = 0; length < text.length; length++) expect(outcome(text.slice(0, length))).toBe('malformed_json')
    let state = 7
    const random = (): number => (state = (Math.imul(state, 48_271) >>> 0) % 2_147_483_647) / 2_147_483_647
    const replacements = ['0', '"', '{', ']', 'null', '-1', 'x', ',', '1e999', '"SPAN_KIND_CLIENT"']
    const codes = new Set<string>()
    for (let round = 0; round < 2000; round++) {
      const at = Math.floor(random() * text.length)
      codes.add(outcome(text.slice(0, at) + replacements[round % replacements.length]! + text.slice(at + 1)))
    }
    expect(codes).toContain('decoded')
    expect(codes).toContain('invalid_field')
  })
})

it('refuses attribute values nested deeper than the limit, naming where', () => {
  let value: unknown = { intValue: 1 }
  for (let depth = 0; depth < 3; depth++) value = { arrayValue: { values: [value] } }
  const text = attributesRequest([{ key: 'deep', value }])
  expect(decodeTraceRequestJson(text).rows[0]?.SpanAttributes.deep).toBe('[[[1]]]')
  const error = decodeError(text, { maxValueDepth: 2 })
  expect(error.code).toBe('too_deep')
  expect(error.message).toBe(
    'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].arrayValue.values[0].arrayValue: nested deeper than 2 arrays/maps',
  )
})
