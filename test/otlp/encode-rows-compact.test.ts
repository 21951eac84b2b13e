import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf } from '../../collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact, encodeRowsJsonEachRow } from '../../collector/otlp/encode-rows.js'
import { spanRowColumns } from '../../collector/otlp/span-row.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'

describe('compact row encoding', () => {
  it('carries exactly the JSONEachRow values, in the column order it declares', () => {
    const rows = decodeTraceRequestProtobuf(serializeSpans(makeModelCallSpans(5), 'protobuf')).rows
    const compact = encodeRowsJsonCompact(rows).trimEnd().split('\n').map((line) => JSON.parse(line) as unknown[])
    const full = encodeRowsJsonEachRow(rows).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(compact.map((values) => Object.fromEntries(spanRowColumns.map((column, index) => [column, values[index]])))).toEqual(full)
    expect(encodeRowsJsonCompact([])).toBe('')
  })
})
