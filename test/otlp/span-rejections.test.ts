import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { decodeTraceRequestJson } from '../../src/collector/otlp/decode-json.js'
import { decodeTraceRequestProtobuf, isOtlpDecodeError, type DecodeLimits, type DecodeResult } from '../../src/collector/otlp/decode-protobuf.js'
import { recordSdkSpans, toJson, toProtobuf, withAttributes, withIds } from './sdk-spans.js'

const { spans, byName } = recordSdkSpans()
const call = byName.get('chat gpt-4o')!
const step = byName.get('step plan')!

const decoders: [string, (spans: ReadableSpan[], limits?: DecodeLimits) => DecodeResult][] = [
  ['protobuf', (list, limits) => decodeTraceRequestProtobuf(toProtobuf(list), limits)],
  ['JSON', (list, limits) => decodeTraceRequestJson(toJson(list), limits)],
]

describe.each(decoders)('%s spans with invalid ids', (encoding, decode) => {
  it('are rejected one by one while the rest of the request is accepted', () => {
    const result = decode([
      call,
      withIds(call, { traceId: 'abcd' }),
      withIds(call, { traceId: '0'.repeat(32) }),
      step,
      withIds(step, { spanId: '00112233445566778899aabb' }),
      withIds(step, { spanId: '0'.repeat(16) }),
    ])
    expect(result.rows.map((row) => row.SpanId)).toEqual([call.spanContext().spanId, step.spanContext().spanId])
    expect(result.rejected).toBe(4)
    expect(result.errors).toEqual(
      encoding === 'protobuf'
        ? [
            'resourceSpans[0].scopeSpans[0].spans[1]: traceId must be 16 bytes, got 2',
            'resourceSpans[0].scopeSpans[0].spans[2]: traceId is all zeros',
            'resourceSpans[0].scopeSpans[0].spans[4]: spanId must be 8 bytes, got 12',
            'resourceSpans[0].scopeSpans[0].spans[5]: spanId is all zeros',
          ]
        : [
            'resourceSpans[0].scopeSpans[0].spans[1]: traceId: expected 32 hex digits',
            'resourceSpans[0].scopeSpans[0].spans[2]: traceId is all zeros',
            'resourceSpans[0].scopeSpans[0].spans[4]: spanId: expected 16 hex digits',
            'resourceSpans[0].scopeSpans[0].spans[5]: spanId is all zeros',
          ],
    )
  })

  it('rejects a malformed parent or link id, and treats an all-zero parent as a root', () => {
    const badLink = Object.assign(Object.create(Object.getPrototypeOf(call) as object) as ReadableSpan, call, {
      links: [{ context: { ...call.spanContext(), spanId: 'abcdef' }, attributes: {} }],
    })
    const result = decode([withIds(step, { parentSpanId: 'abcd' }), withIds(step, { parentSpanId: '0'.repeat(16) }), badLink])
    expect(result.rows).toHaveLength(1)
    expect(result.rows[0]?.ParentSpanId).toBe('')
    expect(result.rejected).toBe(2)
    expect(result.errors.join('\n')).toMatch(/spans\[0\]: parentSpanId/)
    expect(result.errors.join('\n')).toMatch(/spans\[2\]: links\[\]\.spanId/)
  })

  it('keeps one message per distinct problem, at most ten', () => {
    const sameProblem = Array.from({ length: 30 }, () => withIds(call, { traceId: 'abcd' }))
    const result = decode([...sameProblem, call])
    expect(result).toMatchObject({ rejected: 30, errors: [expect.stringMatching(/spans\[0\]: traceId/)] })
    expect(result.rows).toHaveLength(1)

    // Fifteen different wrong lengths are fifteen problems in protobuf; JSON has one message for all.
    const manyProblems = Array.from({ length: 15 }, (_, index) => withIds(call, { traceId: 'ab'.repeat(index + 1) }))
    const many = decode(manyProblems)
    expect(many.rejected).toBe(15)
    expect(many.errors).toHaveLength(encoding === 'protobuf' ? 10 : 1)
  })

  it('refuses the whole request when it holds more spans than maxSpans', () => {
    const list = [call, step, call]
    expect(decode(list, { maxSpans: 3 }).rows).toHaveLength(3)
    let refused: unknown
    try {
      decode(list, { maxSpans: 2 })
    } catch (error) {
      refused = error
    }
    expect(isOtlpDecodeError(refused) && refused.code).toBe('too_many_spans')
    expect((refused as Error).message).toBe('request holds more than 2 spans; send smaller batches')
  })

  it('cuts long string values to maxAttributeValueBytes on a UTF-8 character boundary', () => {
    const [row] = decode(
      [
        withAttributes(call, {
          ascii: 'abcdefgh',
          two_byte: 'ééé',
          three_byte: '€€',
          four_byte: '😀😀',
          short: 'é',
          nested: ['ééé', { 'key longer than the limit': 'abcdefgh' }],
        }),
      ],
      { maxAttributeValueBytes: 5 },
    ).rows
    expect(row?.SpanAttributes).toEqual({
      ascii: 'abcde',
      two_byte: 'éé',
      three_byte: '€',
      four_byte: '😀',
      short: 'é',
      nested: '["éé",{"key longer than the limit":"abcde"}]',
    })
    const [tight] = decode([withAttributes(call, { four_byte: '😀' })], { maxAttributeValueBytes: 3 }).rows
    expect(tight?.SpanAttributes.four_byte).toBe('')
  })
})

it('accepts the same spans in both encodings with the default limits', () => {
  for (const [, decode] of decoders) expect(decode(spans).rejected).toBe(0)
})

it('refuses limits that are not non-negative integers', () => {
  expect(() => decodeTraceRequestProtobuf(new Uint8Array(0), { maxSpans: -1 })).toThrow('DecodeLimits.maxSpans must be a non-negative integer, got -1')
  expect(() => decodeTraceRequestJson('{}', { maxAttributeValueBytes: 1.5 })).toThrow(RangeError)
})
