import { describe, expect, it } from 'vitest'
import { decodeTraceRequestJson } from '../../src/collector/otlp/decode-json.js'
import { decodeTraceRequestProtobuf, type DecodeLimits, type DecodeResult } from '../../src/collector/otlp/decode-protobuf.js'
import { defaultDecodeLimits } from '../../src/collector/otlp/decode-limits.js'
import { bytesField, fixed64Field, messageField, spanIdBytes, stringAttribute, traceIdBytes, varintField, type Field } from './protobuf-writer.js'

type Attribute = [key: string, value: string]

/** One resource with one scope and one span carrying every string and list a request can make long. */
interface FullRequest {
  resourceAttributes: Attribute[]
  scopeName: string
  scopeVersion: string
  name: string
  traceState: string
  statusMessage: string
  attributes: Attribute[]
  /** A key inside a map-valued span attribute named `map`. */
  nestedKey: string
  events: { name: string; attributes: Attribute[] }[]
  links: { traceState: string; attributes: Attribute[] }[]
}

const start = 1_767_225_600_000_000_000n
const traceId = Buffer.from(traceIdBytes).toString('hex')
const spanId = Buffer.from(spanIdBytes).toString('hex')

function toProtobuf(request: FullRequest): Uint8Array {
  const span: Field[] = [
    bytesField(1, traceIdBytes),
    bytesField(2, spanIdBytes),
    bytesField(3, request.traceState),
    bytesField(5, request.name),
    fixed64Field(7, start),
    fixed64Field(8, start + 1n),
    ...request.attributes.map(([key, value]) => stringAttribute(9, key, value)),
    messageField(9, bytesField(1, 'map'), messageField(2, messageField(6, messageField(1, bytesField(1, request.nestedKey), messageField(2, bytesField(1, 'x')))))),
    ...request.events.map((event) => messageField(11, fixed64Field(1, start), bytesField(2, event.name), ...event.attributes.map(([key, value]) => stringAttribute(3, key, value)))),
    ...request.links.map((link) =>
      messageField(13, bytesField(1, traceIdBytes), bytesField(2, spanIdBytes), bytesField(3, link.traceState), ...link.attributes.map(([key, value]) => stringAttribute(4, key, value))),
    ),
    messageField(15, bytesField(2, request.statusMessage), varintField(3, 2n)),
  ]
  return messageField(
    1,
    messageField(1, ...request.resourceAttributes.map(([key, value]) => stringAttribute(1, key, value))),
    messageField(2, messageField(1, bytesField(1, request.scopeName), bytesField(2, request.scopeVersion)), messageField(2, ...span)),
  )
}

function toJson(request: FullRequest): string {
  const attributes = (list: Attribute[]) => list.map(([key, value]) => ({ key, value: { stringValue: value } }))
  const span = {
    traceId,
    spanId,
    traceState: request.traceState,
    name: request.name,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 1n).toString(),
    attributes: [...attributes(request.attributes), { key: 'map', value: { kvlistValue: { values: [{ key: request.nestedKey, value: { stringValue: 'x' } }] } } }],
    events: request.events.map((event) => ({ timeUnixNano: start.toString(), name: event.name, attributes: attributes(event.attributes) })),
    links: request.links.map((link) => ({ traceId, spanId, traceState: link.traceState, attributes: attributes(link.attributes) })),
    status: { code: 2, message: request.statusMessage },
  }
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: attributes(request.resourceAttributes) }, scopeSpans: [{ scope: { name: request.scopeName, version: request.scopeVersion }, spans: [span] }] }],
  })
}

const decoders: [string, (request: FullRequest, limits?: DecodeLimits) => DecodeResult][] = [
  ['protobuf', (request, limits) => decodeTraceRequestProtobuf(toProtobuf(request), limits)],
  ['JSON', (request, limits) => decodeTraceRequestJson(toJson(request), limits)],
]

function fullRequest(overrides: Partial<FullRequest> = {}): FullRequest {
  return {
    resourceAttributes: [['service.name', 'svc']],
    scopeName: 'scope',
    scopeVersion: '1.0',
    name: 'span',
    traceState: 'a=b',
    statusMessage: 'failed',
    attributes: [],
    nestedKey: 'inner',
    events: [],
    links: [],
    ...overrides,
  }
}

const numbered = (prefix: string, count: number): Attribute[] => Array.from({ length: count }, (_, index) => [`${prefix}${index}`, `v${index}`])

describe.each(decoders)('%s strings and lists past their limits', (_encoding, decode) => {
  it('cuts every name, key, message and trace state to its limit on a UTF-8 character boundary', () => {
    // 'é' is 2 bytes and '€' 3: with a limit of 4 bytes, 'aé€' keeps 'aé' and 'ééé' keeps 'éé'.
    const long = 'aé€x'
    const result = decode(
      fullRequest({
        resourceAttributes: [['service.name', 'svc'], [`r${long}`, 'resource value']],
        scopeName: long,
        scopeVersion: `1${long}`,
        name: long,
        traceState: `t${long}`,
        statusMessage: 'ééé',
        attributes: [[`s${long}`, 'span value']],
        nestedKey: `n${long}`,
        events: [{ name: `e${long}`, attributes: [[`e${long}`, 'event value']] }],
        links: [{ traceState: `l${long}`, attributes: [[`l${long}`, 'link value']] }],
      }),
      { maxNameBytes: 4, maxAttributeKeyBytes: 4, maxStatusMessageBytes: 4, maxTraceStateBytes: 4 },
    )
    expect(result.rejected).toBe(0)
    expect(result.rows[0]).toMatchObject({
      ResourceAttributes: { 'serv': 'svc', 'raé': 'resource value' },
      ScopeName: 'aé',
      ScopeVersion: '1aé',
      SpanName: 'aé',
      TraceState: 'taé',
      StatusMessage: 'éé',
      SpanAttributes: { 'saé': 'span value', map: '{"naé":"x"}' },
      'Events.Name': ['eaé'],
      'Events.Attributes': [{ 'eaé': 'event value' }],
      'Links.TraceState': ['laé'],
      'Links.Attributes': [{ 'laé': 'link value' }],
    })
  })

  it('bounds keys and names far below values by default: a 1 MiB key keeps 256 bytes, a 1 MiB span name 1 KiB', () => {
    const huge = 'k'.repeat(1024 * 1024)
    const [row] = decode(fullRequest({ resourceAttributes: [[huge, 'v']], name: huge, attributes: [[huge, 'v']], statusMessage: huge, traceState: huge })).rows
    expect(Object.keys(row!.ResourceAttributes)).toEqual(['k'.repeat(defaultDecodeLimits.maxAttributeKeyBytes)])
    expect(Object.keys(row!.SpanAttributes)).toEqual(['k'.repeat(256), 'map'])
    expect(row!.SpanName).toHaveLength(1024)
    expect(row!.StatusMessage).toHaveLength(4 * 1024)
    expect(row!.TraceState).toHaveLength(512)
  })

  it('keeps the first attributes, events and links up to their counts and drops, counts and names the rest', () => {
    const result = decode(
      fullRequest({
        resourceAttributes: numbered('r', 5),
        // The map-valued attribute comes after these, so it is past the limit too.
        attributes: numbered('s', 4),
        events: [
          { name: 'first', attributes: numbered('e', 4) },
          { name: 'second', attributes: [] },
          { name: 'third', attributes: [] },
        ],
        links: [
          { traceState: 'one', attributes: numbered('l', 3) },
          { traceState: 'two', attributes: [] },
        ],
      }),
      { maxAttributes: 2, maxEvents: 2, maxLinks: 1 },
    )
    expect(result.rejected).toBe(0)
    expect(result.rows[0]).toMatchObject({
      ResourceAttributes: { r0: 'v0', r1: 'v1' },
      SpanAttributes: { s0: 'v0', s1: 'v1' },
      'Events.Name': ['first', 'second'],
      'Events.Attributes': [{ e0: 'v0', e1: 'v1' }, {}],
      'Links.TraceState': ['one'],
      'Links.Attributes': [{ l0: 'v0', l1: 'v1' }],
    })
    expect(Object.keys(result.rows[0]!.ResourceAttributes)).toHaveLength(2)
    expect(Object.keys(result.rows[0]!.SpanAttributes)).toHaveLength(2)
    // 3 resource + 3 span attributes, 1 event, 1 link, 2 event and 1 link attributes.
    expect(result.dropped).toBe(11)
    expect([...result.errors].sort()).toEqual([
      'resourceSpans[0].resource: resource attributes past the limit of 2 were dropped',
      'resourceSpans[0].scopeSpans[0].spans[0]: attributes past the limit of 2 were dropped',
      'resourceSpans[0].scopeSpans[0].spans[0]: event or link attributes past the limit of 2 were dropped',
      'resourceSpans[0].scopeSpans[0].spans[0]: events past the limit of 2 were dropped',
      'resourceSpans[0].scopeSpans[0].spans[0]: links past the limit of 1 were dropped',
    ])
  })

  it('keeps the OTel SDK span limits by default: 128 of each', () => {
    const result = decode(fullRequest({ attributes: numbered('s', 200), events: Array.from({ length: 130 }, (_, index) => ({ name: `e${index}`, attributes: [] })) }))
    expect(Object.keys(result.rows[0]!.SpanAttributes)).toHaveLength(128)
    expect(result.rows[0]!['Events.Name']).toHaveLength(128)
    // 72 numbered attributes and the map one, and 2 events.
    expect(result.dropped).toBe(75)
  })
})

it('refuses limits that are not non-negative integers, by name', () => {
  expect(() => decodeTraceRequestProtobuf(new Uint8Array(0), { maxAttributeKeyBytes: -1 })).toThrow('DecodeLimits.maxAttributeKeyBytes must be a non-negative integer, got -1')
  expect(() => decodeTraceRequestJson('{}', { maxEvents: 0.5 })).toThrow('DecodeLimits.maxEvents must be a non-negative integer, got 0.5')
})
