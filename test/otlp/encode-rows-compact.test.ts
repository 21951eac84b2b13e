import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact, encodeRowsJsonEachRow } from '../../src/collector/otlp/encode-rows.js'
import { isEncodedRowsTooLargeError, type EncodedRowsTooLargeError } from '../../src/collector/otlp/encoded-rows-too-large-error.js'
import { spanRowColumns } from '../../src/collector/otlp/span-row.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'

function compactLines(encoded: Buffer): unknown[][] {
  return encoded.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown[])
}

describe('compact row encoding', () => {
  it('carries exactly the JSONEachRow values, in the column order it declares', () => {
    const rows = decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(5), 'protobuf')).rows
    const full = encodeRowsJsonEachRow(rows).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(compactLines(encodeRowsJsonCompact(rows)).map((values) => Object.fromEntries(spanRowColumns.map((column, index) => [column, values[index]])))).toEqual(full)
    expect(encodeRowsJsonCompact([])).toHaveLength(0)
  })

  it('sizes the buffer in UTF-8 bytes: multi-byte text fills it exactly, one line per row', () => {
    const rows = decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(3), 'protobuf')).rows
    rows[0]!.SpanName = 'chat é中文😀'
    rows[1]!.StatusMessage = 'lone \ud83d surrogate, quote " and newline \n inside'
    rows[2]!.SpanAttributes = { ...rows[2]!.SpanAttributes, 'switchyard.tag.city': 'Zürich' }
    const encoded = encodeRowsJsonCompact(rows)
    const text = encoded.toString('utf8')
    expect(encoded.length).toBe(Buffer.byteLength(text))
    expect(text.endsWith('\n')).toBe(true)
    expect(text.split('\n')).toHaveLength(4)
    const lines = compactLines(encoded)
    const column = (name: string) => spanRowColumns.indexOf(name as (typeof spanRowColumns)[number])
    expect(lines[0]![column('SpanName')]).toBe('chat é中文😀')
    expect(lines[1]![column('StatusMessage')]).toBe('lone \ud83d surrogate, quote " and newline \n inside')
    expect((lines[2]![column('SpanAttributes')] as Record<string, string>)['switchyard.tag.city']).toBe('Zürich')
  })

  it('writes into the buffer it is given, and refuses one of the wrong size rather than send stray bytes', () => {
    const rows = decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(3), 'protobuf')).rows
    const expected = encodeRowsJsonCompact(rows)
    const given = Buffer.alloc(expected.length + 100, 0x41)
    const encoded = encodeRowsJsonCompact(rows, { allocate: (bytes) => given.subarray(0, bytes) })
    expect(encoded.buffer).toBe(given.buffer)
    expect(encoded.equals(expected)).toBe(true)
    expect(() => encodeRowsJsonCompact(rows, { allocate: (bytes) => Buffer.alloc(bytes + 1) })).toThrow(/given .* bytes for/)
  })

  it('stops as soon as the rows pass maxBytes, before building the rest or asking for the buffer', () => {
    const rows = decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(50), 'protobuf')).rows
    const encoded = encodeRowsJsonCompact(rows)
    expect(encodeRowsJsonCompact(rows, { maxBytes: encoded.length }).equals(encoded)).toBe(true)

    // Rows share their resource's attributes object: one big value repeats in every line.
    const shared = rows[0]!.ResourceAttributes
    shared['big'] = 'x'.repeat(100_000)
    let allocated = 0
    let refused: unknown
    try {
      encodeRowsJsonCompact(rows, { maxBytes: 250_000, allocate: (bytes) => Buffer.alloc((allocated = bytes)) })
    } catch (error) {
      refused = error
    }
    expect(isEncodedRowsTooLargeError(refused)).toBe(true)
    const tooLarge = refused as EncodedRowsTooLargeError
    expect(tooLarge).toMatchObject({ code: 'encoded_rows_too_large', rows: 50, rowsEncoded: 3, maxBytes: 250_000 })
    expect(tooLarge.bytesEncoded).toBeGreaterThan(300_000)
    expect(tooLarge.bytesEncoded).toBeLessThan(310_000)
    expect(allocated).toBe(0)
  })
})
