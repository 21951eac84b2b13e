import { describe, expect, it } from 'vitest'
import { decodeTraceRequestJson } from '../../src/collector/otlp/decode-json.js'
import { decodeTraceRequestProtobuf, type DecodeResult } from '../../src/collector/otlp/decode-protobuf.js'
import { bytesField, fixed64Field, messageField, requestWithSpans, spanIdBytes, traceIdBytes, type Field } from './protobuf-writer.js'

/** One span as a test describes it; a time left undefined is absent from the request. */
interface SpanSpec {
  name: string
  start?: bigint
  end?: bigint
  events?: { name: string; time?: bigint }[]
}

const noon = 1_767_225_600_000_000_000n
const lastStorable = 4_294_967_296n * 1_000_000_000n - 1n
const uint64Max = 2n ** 64n - 1n

function protobufSpan(spec: SpanSpec): Field[] {
  const fields = [bytesField(1, traceIdBytes), bytesField(2, spanIdBytes), bytesField(5, spec.name)]
  if (spec.start !== undefined) fields.push(fixed64Field(7, spec.start))
  if (spec.end !== undefined) fields.push(fixed64Field(8, spec.end))
  for (const event of spec.events ?? []) {
    fields.push(messageField(11, ...(event.time === undefined ? [] : [fixed64Field(1, event.time)]), bytesField(2, event.name)))
  }
  return fields
}

function jsonSpan(spec: SpanSpec): Record<string, unknown> {
  return {
    traceId: Buffer.from(traceIdBytes).toString('hex'),
    spanId: Buffer.from(spanIdBytes).toString('hex'),
    name: spec.name,
    ...(spec.start === undefined ? {} : { startTimeUnixNano: spec.start.toString() }),
    ...(spec.end === undefined ? {} : { endTimeUnixNano: spec.end.toString() }),
    events: (spec.events ?? []).map((event) => ({ name: event.name, ...(event.time === undefined ? {} : { timeUnixNano: event.time.toString() }) })),
  }
}

const decoders: [string, (specs: SpanSpec[]) => DecodeResult][] = [
  ['protobuf', (specs) => decodeTraceRequestProtobuf(requestWithSpans(specs.map(protobufSpan)))],
  [
    'JSON',
    (specs) => decodeTraceRequestJson(JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 'scope' }, spans: specs.map(jsonSpan) }] }] })),
  ],
]

describe.each(decoders)('%s span times', (_encoding, decode) => {
  it('rejects a span whose start or end is missing or past 2106 alone, naming the field', () => {
    const result = decode([
      { name: 'good', start: noon, end: noon + 1000n },
      { name: 'no start', end: noon },
      { name: 'start at uint64 max', start: uint64Max, end: uint64Max },
      { name: 'no end', start: noon },
      { name: 'start past 2106', start: lastStorable + 1n, end: lastStorable + 2n },
      { name: 'end at uint64 max', start: noon, end: uint64Max },
      { name: 'also good', start: noon + 5n, end: noon + 5n },
    ])
    expect(result.rows.map((row) => [row.SpanName, row.Timestamp, row.Duration])).toEqual([
      ['good', '1767225600.000000000', '1000'],
      ['also good', '1767225600.000000005', '0'],
    ])
    expect(result.rejected).toBe(5)
    expect(result.dropped).toBe(0)
    // One message per distinct problem, at the first span that has it.
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1]: startTimeUnixNano is missing (0)',
      'resourceSpans[0].scopeSpans[0].spans[2]: startTimeUnixNano is after 2106-02-07T06:28:15.999999999Z, the last time the table stores',
      'resourceSpans[0].scopeSpans[0].spans[3]: endTimeUnixNano is missing (0)',
      'resourceSpans[0].scopeSpans[0].spans[5]: endTimeUnixNano is after 2106-02-07T06:28:15.999999999Z, the last time the table stores',
    ])
  })

  it('keeps the earliest and latest storable times, seconds padded to the ten digits ClickHouse reads as Unix time', () => {
    const result = decode([
      { name: 'first nanosecond', start: 1n, end: 2n },
      { name: 'before 1973', start: 99_999_999_000_000_000n, end: 99_999_999_000_000_000n },
      { name: 'last nanosecond', start: lastStorable, end: lastStorable },
    ])
    expect(result.rejected).toBe(0)
    expect(result.rows.map((row) => row.Timestamp)).toEqual(['0000000000.000000001', '0099999999.000000000', '4294967295.999999999'])
  })

  it('drops an event without a storable time and keeps its span, saying so without counting a rejected span', () => {
    const result = decode([
      {
        name: 'call',
        start: noon,
        end: noon + 10n,
        events: [
          { name: 'kept', time: noon + 1n },
          { name: 'no time' },
          { name: 'far future', time: uint64Max },
          { name: 'also kept', time: noon + 2n },
        ],
      },
      { name: 'other', start: noon, end: noon, events: [{ name: 'past 2106', time: lastStorable + 1n }] },
    ])
    expect(result.rows.map((row) => [row.SpanName, row['Events.Name'], row['Events.Timestamp']])).toEqual([
      ['call', ['kept', 'also kept'], ['1767225600.000000001', '1767225600.000000002']],
      ['other', [], []],
    ])
    expect(result.rows[0]?.['Events.Attributes']).toHaveLength(2)
    expect(result.rejected).toBe(0)
    expect(result.dropped).toBe(3)
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0].events[1]: timeUnixNano is missing (0): the event was dropped, its span kept',
      'resourceSpans[0].scopeSpans[0].spans[1].events[0]: timeUnixNano is after 2106-02-07T06:28:15.999999999Z, the last time the table stores: the event was dropped, its span kept',
    ])
  })

  it('says nothing about the events of a span that is rejected anyway', () => {
    const result = decode([{ name: 'no start', end: noon, events: [{ name: 'no time' }] }])
    expect(result).toMatchObject({ rows: [], rejected: 1, dropped: 0, errors: ['resourceSpans[0].scopeSpans[0].spans[0]: startTimeUnixNano is missing (0)'] })
  })
})
