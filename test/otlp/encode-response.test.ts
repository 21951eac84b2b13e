import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, it } from 'vitest'
import { encodeExportResponse } from '../../src/collector/otlp/encode-response.js'

function asBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body
}

describe('encodeExportResponse', () => {
  it('answers full success with an empty message in both encodings', () => {
    expect(encodeExportResponse({ encoding: 'protobuf' })).toEqual(new Uint8Array(0))
    expect(encodeExportResponse({ encoding: 'protobuf', partialSuccess: { rejectedSpans: 0, errorMessage: '' } })).toEqual(new Uint8Array(0))
    expect(encodeExportResponse({ encoding: 'json' })).toBe('{}')
  })

  it('writes partial success that the official OTLP exporter reads back', () => {
    const partialSuccess = { rejectedSpans: 300, errorMessage: 'resourceSpans[0].scopeSpans[0].spans[1]: traceId is all zeros; élan' }
    const protobuf = encodeExportResponse({ encoding: 'protobuf', partialSuccess })
    expect(ProtobufTraceSerializer.deserializeResponse(asBytes(protobuf))).toEqual({ partialSuccess })
    const json = encodeExportResponse({ encoding: 'json', partialSuccess })
    expect(json).toBe(
      '{"partialSuccess":{"rejectedSpans":"300","errorMessage":"resourceSpans[0].scopeSpans[0].spans[1]: traceId is all zeros; élan"}}',
    )
    expect(JsonTraceSerializer.deserializeResponse(asBytes(json))).toEqual({ partialSuccess: { ...partialSuccess, rejectedSpans: '300' } })
  })

  it('omits default fields in protobuf, as proto3 does', () => {
    expect(Array.from(asBytes(encodeExportResponse({ encoding: 'protobuf', partialSuccess: { rejectedSpans: 2, errorMessage: '' } })))).toEqual([
      0x0a, 0x02, 0x08, 0x02,
    ])
    expect(ProtobufTraceSerializer.deserializeResponse(asBytes(encodeExportResponse({ encoding: 'protobuf', partialSuccess: { rejectedSpans: 0, errorMessage: 'warning' } })))).toEqual({
      partialSuccess: { errorMessage: 'warning' },
    })
  })
})
