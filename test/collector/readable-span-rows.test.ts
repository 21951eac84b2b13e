import { SpanKind, SpanStatusCode, context, trace, type Attributes, type HrTime } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { defaultDecodeLimits, resolveDecodeLimits } from '../../src/collector/otlp/decode-limits.js'
import { readableSpanRows } from '../../src/collector/readable-span-rows.js'
import { makeModelCallSpans, makeSpanFactory, serializeSpans } from '../helpers/sdk-spans.js'

const limits = resolveDecodeLimits({})

/** The rows the OTLP path gives the same spans: the SDK's protobuf serializer, then the collector's decoder. */
function otlpRows(spans: ReadableSpan[]): ReturnType<typeof decodeTraceRequestProtobuf> {
  return decodeTraceRequestProtobuf(serializeSpans(spans, 'protobuf'), limits)
}

/** Plain objects (attribute maps have no prototype), so that toEqual compares values and key order alike. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown
}

function expectSameRows(spans: ReadableSpan[]): void {
  const direct = readableSpanRows(spans, limits)
  expect(direct).toBeDefined()
  const decoded = otlpRows(spans)
  expect(decoded.rejected).toBe(0)
  expect(JSON.stringify(direct)).toBe(JSON.stringify(decoded))
  expect(plain(direct)).toEqual(plain(decoded))
}

/** Values whose text could differ between the two ways if either were written wrongly. */
const edgeAttributes: Attributes = {
  'text.empty': '',
  'text.quotes': 'say "hi" \\ back',
  'text.controls': 'line\nbreak\ttab\u0000nul',
  'text.separators': '\u2028\u2029',
  'text.astral': 'é 漢字 🚀',
  '7': 'an integer-like key',
  'int.zero': 0,
  'int.negative-zero': -0,
  'int.negative': -42,
  'int.max-safe': Number.MAX_SAFE_INTEGER,
  'int.min-safe': Number.MIN_SAFE_INTEGER,
  'double.small': 0.1,
  'double.negative': -2.5e-7,
  'double.large': 1.5e300,
  'double.int64-max': 2 ** 63,
  'double.int64-min-below': -(2 ** 64),
  'double.nan': Number.NaN,
  'double.infinity': Number.POSITIVE_INFINITY,
  'bool.true': true,
  'bool.false': false,
  'array.strings': ['a', '"b"', '\u2028', '🚀'],
  'array.numbers': [1, -0, 2.5, -7],
  'array.booleans': [true, false],
  'array.empty': [],
  'array.with-nan': [1, Number.NaN],
  'array.large': [1e300, 2 ** 63],
}

function edgeSpans(): ReadableSpan[] {
  const factory = makeSpanFactory('edge-service')
  const root = factory.tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: edgeAttributes })
  const parent = trace.setSpan(context.active(), root)
  for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    const span = factory.tracer.startSpan(`child ${kind}`, { kind, links: [{ context: root.spanContext(), attributes: { why: 'follows', n: 3 } }] }, parent)
    span.addEvent('an event', { at: 1.5, list: ['x'] })
    span.addEvent('a bare event')
    span.setStatus(kind === SpanKind.CLIENT ? { code: SpanStatusCode.ERROR, message: 'upstream "failed"\n' } : { code: SpanStatusCode.OK })
    span.end()
  }
  root.end()
  return factory.take()
}

/** A copy of `span` with some of its fields replaced, as an exporter may be handed. */
function withFields(span: ReadableSpan, fields: Partial<Record<keyof ReadableSpan, unknown>>): ReadableSpan {
  return Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, fields)
}

describe('readableSpanRows', () => {
  it('gives the rows of the OTLP path, every column, for every kind, status, event, link and attribute type', () => {
    expectSameRows(edgeSpans())
  })

  it('gives them in the serializer\'s order when spans of two resources and three scopes are interleaved', () => {
    const memory = new InMemorySpanExporter()
    const providers = ['service-one', 'service-two'].map((name) => new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': name, 'host.name': 'h' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    }))
    const tracers = [providers[0]!.getTracer('scope-a', '1.0.0'), providers[1]!.getTracer('scope-a', '1.0.0'), providers[0]!.getTracer('scope-b')]
    for (let index = 0; index < 3; index++) for (const [at, tracer] of tracers.entries()) tracer.startSpan(`span ${index} of tracer ${at}`).end()
    const spans = memory.getFinishedSpans()
    expect(new Set(spans.map((span) => span.instrumentationScope)).size).toBe(3)
    expectSameRows([...spans])
    expect(readableSpanRows(spans, limits)?.rows.map((row) => row.SpanName).slice(0, 4)).toEqual(['span 0 of tracer 0', 'span 1 of tracer 0', 'span 2 of tracer 0', 'span 0 of tracer 2'])
  })

  it('gives the rows of model-call spans as the gateway and router record them', () => {
    expectSameRows(makeModelCallSpans(20, { workflow: 'direct' }))
  })

  it('stores an all-zero parent or link id as empty, as the decoder does', () => {
    const [span] = makeModelCallSpans(1)
    const zeroParent = withFields(span!, { parentSpanContext: { ...span!.spanContext(), spanId: '0000000000000000' } })
    expectSameRows([zeroParent])
  })

  it('leaves to the OTLP path every batch it is not certain of, and the decoder then cuts, drops or refuses', () => {
    const [span] = makeModelCallSpans(1)
    const time = (seconds: number, nanos: number): HrTime => [seconds, nanos]
    const tooManyAttributes = Object.fromEntries(Array.from({ length: defaultDecodeLimits.maxAttributes + 1 }, (_, index) => [`key${index}`, index]))
    const uncertain: Record<string, ReadableSpan> = {
      'a value past maxAttributeValueBytes': withFields(span!, { attributes: { long: 'x'.repeat(defaultDecodeLimits.maxAttributeValueBytes + 1) } }),
      'a lone surrogate': withFields(span!, { attributes: { broken: 'a\ud800b' } }),
      'a name past maxNameBytes': withFields(span!, { name: 'n'.repeat(defaultDecodeLimits.maxNameBytes + 1) }),
      'an integer past 2^53': withFields(span!, { attributes: { big: 2 ** 60 } }),
      'bytes': withFields(span!, { attributes: { raw: new Uint8Array([1, 2]) as unknown as string } }),
      'a map value': withFields(span!, { attributes: { map: { a: 1 } as unknown as string } }),
      'an array of arrays': withFields(span!, { attributes: { nested: [[1]] as unknown as string } }),
      'attributes past maxAttributes': withFields(span!, { attributes: tooManyAttributes }),
      'an uppercase trace id': withFields(span!, { spanContext: () => ({ ...span!.spanContext(), traceId: span!.spanContext().traceId.toUpperCase() }) }),
      'an all-zero span id': withFields(span!, { spanContext: () => ({ ...span!.spanContext(), spanId: '0000000000000000' }) }),
      'a missing start time': withFields(span!, { startTime: time(0, 0) }),
      'a start past 2106': withFields(span!, { startTime: time(4_294_967_296, 0) }),
      'an event without a time': withFields(span!, { events: [{ name: 'late', time: time(0, 0) }] }),
    }
    for (const [why, candidate] of Object.entries(uncertain)) {
      expect(readableSpanRows([candidate], limits), why).toBeUndefined()
      // The batch is all or nothing: one uncertain span sends its certain neighbours the OTLP way too.
      expect(readableSpanRows([span!, candidate], limits), why).toBeUndefined()
    }
    expect(readableSpanRows([span!, span!], { ...limits, maxSpans: 1 })).toBeUndefined()
  })
})
