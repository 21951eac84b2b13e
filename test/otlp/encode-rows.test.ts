import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonEachRow } from '../../src/collector/otlp/encode-rows.js'
import { recordSdkSpans, toProtobuf, withAttributes } from './sdk-spans.js'

describe('encodeRowsJsonEachRow', () => {
  const { spans } = recordSdkSpans()
  const rows = decodeTraceRequestProtobuf(toProtobuf(spans)).rows

  it('writes one JSON object per row, each line ending in a newline, that parses back to the row', () => {
    const text = encodeRowsJsonEachRow(rows)
    expect(text.endsWith('\n')).toBe(true)
    const lines = text.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(rows.length)
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(rows)
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(Object.keys(rows[0]!))
  })

  it('keeps newlines, separators and quotes inside values on their line', () => {
    const [span] = spans
    const [row] = decodeTraceRequestProtobuf(toProtobuf([withAttributes(span!, { text: 'a\nb\u2028c"\\', ['__proto__']: 'x' })])).rows
    const text = encodeRowsJsonEachRow([row!, row!])
    expect(text.split('\n')).toHaveLength(3)
    expect((JSON.parse(text.split('\n')[0]!) as { SpanAttributes: unknown }).SpanAttributes).toEqual({ text: 'a\nb\u2028c"\\', ['__proto__']: 'x' })
  })

  it('writes nothing for no rows', () => {
    expect(encodeRowsJsonEachRow([])).toBe('')
  })

  it('encodes a 10 000-span request', () => {
    const many = Array.from({ length: 10_000 }, (_, index) => rows[index % rows.length]!)
    const text = encodeRowsJsonEachRow(many)
    expect(text.split('\n')).toHaveLength(10_001)
  })
})
