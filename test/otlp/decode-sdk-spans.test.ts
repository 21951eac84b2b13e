import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { decodeTraceRequestJson } from '../../src/collector/otlp/decode-json.js'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import type { SpanRow } from '../../src/collector/otlp/span-row.js'
import { hrTimeNanos, hrTimeText, recordSdkSpans, toJson, toProtobuf, withAttributes } from './sdk-spans.js'

const recorded = recordSdkSpans()
const protobufRows = decodeTraceRequestProtobuf(toProtobuf(recorded.spans))
const jsonRows = decodeTraceRequestJson(toJson(recorded.spans))

function span(name: string): ReadableSpan {
  const found = recorded.byName.get(name)
  if (found === undefined) throw new Error(`no span named ${name}`)
  return found
}

function rowOf(rows: SpanRow[], name: string): SpanRow {
  const found = rows.find((row) => row.SpanName === name)
  if (found === undefined) throw new Error(`no row named ${name}`)
  return found
}

const resourceAttributes = {
  'service.name': 'switchyard-test',
  'deployment.environment.name': 'test',
  'process.pid': '4242',
  'host.arch.bits': '64.5',
}

const noEventsOrLinks = {
  'Events.Timestamp': [],
  'Events.Name': [],
  'Events.Attributes': [],
  'Links.TraceId': [],
  'Links.SpanId': [],
  'Links.TraceState': [],
  'Links.Attributes': [],
}

function durationOf(recordedSpan: ReadableSpan): string {
  return (hrTimeNanos(recordedSpan.endTime) - hrTimeNanos(recordedSpan.startTime)).toString()
}

describe.each([
  ['protobuf', protobufRows],
  ['JSON', jsonRows],
])('rows decoded from the official %s serializer', (_encoding, decoded) => {
  it('accepts every span and rejects none', () => {
    expect(decoded.rows).toHaveLength(recorded.spans.length)
    expect(decoded.rejected).toBe(0)
    expect(decoded.errors).toEqual([])
  })

  it('writes the model-call CLIENT span exactly as the clickhouse exporter would', () => {
    const call = span('chat gpt-4o')
    const upstream = span('upstream')
    const workflow = span('invoke_workflow triage')
    expect(rowOf(decoded.rows, 'chat gpt-4o')).toEqual({
      Timestamp: hrTimeText(call.startTime),
      TraceId: call.spanContext().traceId,
      SpanId: call.spanContext().spanId,
      ParentSpanId: workflow.spanContext().spanId,
      TraceState: '',
      SpanName: 'chat gpt-4o',
      SpanKind: 'Client',
      ServiceName: 'switchyard-test',
      ResourceAttributes: resourceAttributes,
      ScopeName: 'switchyard',
      ScopeVersion: '0.1.0',
      SpanAttributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.stream': 'false',
        'gen_ai.usage.input_tokens': '1234',
        'gen_ai.usage.output_tokens': '0',
        'test.negative': '-7',
        'test.big_int': '4611686018427387904',
        'test.min_int': '-9223372036854775808',
        'test.double': '0.1',
        'test.tiny_double': '1e-7',
        'test.huge_double': '1e+21',
        'test.negative_zero': '0',
        'test.true': 'true',
        'gen_ai.response.finish_reasons': '["stop","length"]',
        'test.int_array': '[1,2,3]',
        'test.double_array': '[1.5,-2.25,1e-7]',
        'test.bool_array': '[true,false]',
        'test.sparse_array': '[1,null,3]',
        'test.empty_array': '[]',
        'test.html_array': '["<b>&amp;</b>","line\\u2028sep","quote\\"back\\\\slash\\ttab"]',
        'test.unicode': 'naïve – 日本語 🚀',
        'test.empty_string': '',
        // 64 KiB cut back to the start of the 'é' that straddles byte 65 536.
        'test.huge': 'a' + 'é'.repeat(32_767),
      },
      Duration: '1899999999',
      StatusCode: 'Error',
      StatusMessage: 'rate limited (429)',
      'Events.Timestamp': ['1767225600.200000000', '1767225601.000000000'],
      'Events.Name': ['gen_ai.content.prompt', 'retry'],
      'Events.Attributes': [{ 'gen_ai.prompt': 'hello', 'test.tokens': '[1,2]' }, {}],
      'Links.TraceId': [upstream.spanContext().traceId],
      'Links.SpanId': [upstream.spanContext().spanId],
      'Links.TraceState': [''],
      'Links.Attributes': [{ 'link.reason': 'retry-of', 'link.attempt': '2' }],
    })
    expect(durationOf(call)).toBe('1899999999')
    expect(Buffer.byteLength(rowOf(decoded.rows, 'chat gpt-4o').SpanAttributes['test.huge']!)).toBe(65_535)
  })

  it('writes the root workflow span with an empty parent and status Ok', () => {
    const workflow = span('invoke_workflow triage')
    expect(rowOf(decoded.rows, 'invoke_workflow triage')).toEqual({
      Timestamp: '1767225600.000000005',
      TraceId: workflow.spanContext().traceId,
      SpanId: workflow.spanContext().spanId,
      ParentSpanId: '',
      TraceState: '',
      SpanName: 'invoke_workflow triage',
      SpanKind: 'Internal',
      ServiceName: 'switchyard-test',
      ResourceAttributes: resourceAttributes,
      ScopeName: 'switchyard',
      ScopeVersion: '0.1.0',
      SpanAttributes: { 'gen_ai.workflow.name': 'triage' },
      Duration: durationOf(workflow),
      StatusCode: 'Ok',
      StatusMessage: '',
      ...noEventsOrLinks,
    })
    expect(durationOf(workflow)).toBe('9999999995')
  })

  it('writes the step span (status Unset, duration clamped by the SDK) and the other scope', () => {
    const step = span('step plan')
    expect(rowOf(decoded.rows, 'step plan')).toMatchObject({
      Timestamp: hrTimeText(step.startTime),
      TraceId: step.spanContext().traceId,
      SpanId: step.spanContext().spanId,
      ParentSpanId: span('invoke_workflow triage').spanContext().spanId,
      SpanKind: 'Internal',
      StatusCode: 'Unset',
      Duration: '0',
      ScopeName: 'switchyard',
    })
    const upstream = span('upstream')
    expect(rowOf(decoded.rows, 'upstream')).toMatchObject({
      Timestamp: '1767225599.999999999',
      Duration: '2',
      TraceId: upstream.spanContext().traceId,
      ParentSpanId: '',
      ScopeName: 'other-library',
      ScopeVersion: '',
      ServiceName: 'switchyard-test',
    })
  })
})

describe('protobuf and JSON decoding', () => {
  it('give identical rows for the same SDK spans', () => {
    expect(jsonRows.rows).toEqual(protobufRows.rows)
    expect(JSON.stringify(jsonRows.rows)).toBe(JSON.stringify(protobufRows.rows))
  })

  it('agree on byte and map values, written as sorted Go JSON', () => {
    const call = span('chat gpt-4o')
    const spans = [
      withAttributes(call, {
        'test.bytes': Uint8Array.from([0, 1, 2, 255]),
        'test.empty_bytes': new Uint8Array(0),
        'test.map': {
          b: 1,
          a: 'x<&>',
          empty: {},
          nested: { z: [1, 2], é: true, '€': null, '\uff01': 1, '😀': 2, ratio: 0.5 },
          data: Uint8Array.from([104, 105]),
        },
        'test.array_of_maps': [{ k: 'v', j: [true] }, []],
      }),
    ]
    const fromProtobuf = decodeTraceRequestProtobuf(toProtobuf(spans))
    const fromJson = decodeTraceRequestJson(toJson(spans))
    expect(fromProtobuf.rows[0]?.SpanAttributes).toEqual({
      'test.bytes': 'AAEC/w==',
      'test.empty_bytes': '',
      // Keys in UTF-8 byte order: U+FF01 sorts before U+1F600 although UTF-16 says otherwise.
      'test.map': '{"a":"x<&>","b":1,"data":"aGk=","empty":{},"nested":{"ratio":0.5,"z":[1,2],"é":true,"€":null,"！":1,"😀":2}}',
      'test.array_of_maps': '[{"j":[true],"k":"v"},[]]',
    })
    expect(fromJson.rows).toEqual(fromProtobuf.rows)
  })

  it('writes NaN and infinities as pdata does: the Go JSON error text, and no JSON for arrays holding them', () => {
    const spans = [
      withAttributes(span('chat gpt-4o'), {
        nan: Number.NaN,
        infinity: Number.POSITIVE_INFINITY,
        negative_infinity: Number.NEGATIVE_INFINITY,
        with_nan: [1.5, Number.NaN],
        map_with_infinity: { x: Number.POSITIVE_INFINITY },
      }),
    ]
    expect(decodeTraceRequestProtobuf(toProtobuf(spans)).rows[0]?.SpanAttributes).toEqual({
      nan: 'json: unsupported value: NaN',
      infinity: 'json: unsupported value: +Inf',
      negative_infinity: 'json: unsupported value: -Inf',
      with_nan: '',
      map_with_infinity: '',
    })
  })
})
