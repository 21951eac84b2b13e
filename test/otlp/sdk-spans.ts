import { context, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'

/** A string far over the 64 KiB default attribute limit, whose 65 536th byte is inside an 'é'. */
export const hugeString = 'a' + 'é'.repeat(40_000) + '€'.repeat(10_000)

/** Attributes of every type the SDK accepts, with values whose AsString() form is tricky. */
export const callAttributes: Attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.request.stream': false,
  'gen_ai.usage.input_tokens': 1234,
  'gen_ai.usage.output_tokens': 0,
  'test.negative': -7,
  'test.big_int': 2 ** 62,
  'test.min_int': -(2 ** 63),
  'test.double': 0.1,
  'test.tiny_double': 1e-7,
  'test.huge_double': 1e21,
  'test.negative_zero': -0,
  'test.true': true,
  'gen_ai.response.finish_reasons': ['stop', 'length'],
  'test.int_array': [1, 2, 3],
  'test.double_array': [1.5, -2.25, 1e-7],
  'test.bool_array': [true, false],
  'test.sparse_array': [1, null, 3],
  'test.empty_array': [],
  'test.html_array': ['<b>&amp;</b>', 'line\u2028sep', 'quote"back\\slash\ttab'],
  'test.unicode': 'naïve – 日本語 🚀',
  'test.empty_string': '',
  'test.huge': hugeString,
}

export interface RecordedSpans {
  spans: ReadableSpan[]
  /** The spans by name. */
  byName: Map<string, ReadableSpan>
}

/**
 * Records a small agent trace with the real SDK: a workflow (INTERNAL, OK) whose child is a
 * model call (CLIENT, ERROR) with events and a link, a step (INTERNAL, UNSET) and a span
 * from a second tracer (another scope), all under one resource.
 */
export function recordSdkSpans(): RecordedSpans {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'switchyard-test',
      'deployment.environment.name': 'test',
      'process.pid': 4242,
      'host.arch.bits': 64.5,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('switchyard', '0.1.0')
  const otherTracer = provider.getTracer('other-library')

  const start: HrTime = [1_767_225_600, 5]
  const workflow = tracer.startSpan('invoke_workflow triage', {
    kind: SpanKind.INTERNAL,
    startTime: start,
    attributes: { 'gen_ai.workflow.name': 'triage' },
  })
  const workflowContext = trace.setSpan(context.active(), workflow)
  const linked = otherTracer.startSpan('upstream', { startTime: [1_767_225_599, 999_999_999] })
  linked.end([1_767_225_600, 1])

  const call = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_767_225_600, 123_456_789],
      attributes: callAttributes,
      links: [{ context: linked.spanContext(), attributes: { 'link.reason': 'retry-of', 'link.attempt': 2 } }],
    },
    workflowContext,
  )
  call.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'hello', 'test.tokens': [1, 2] }, [1_767_225_600, 200_000_000])
  call.addEvent('retry', {}, [1_767_225_601, 0])
  call.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited (429)' })
  call.end([1_767_225_602, 23_456_788])

  const step = tracer.startSpan('step plan', { kind: SpanKind.INTERNAL, startTime: [1_767_225_602, 500] }, workflowContext)
  step.end([1_767_225_602, 400]) // ends before it starts: the SDK clamps the duration to 0

  workflow.setStatus({ code: SpanStatusCode.OK })
  workflow.end([1_767_225_610, 0])

  const spans = exporter.getFinishedSpans()
  return { spans, byName: new Map(spans.map((span) => [span.name, span])) }
}

export function toProtobuf(spans: ReadableSpan[]): Uint8Array {
  const body = ProtobufTraceSerializer.serializeRequest(spans)
  if (body === undefined) throw new Error('the protobuf serializer returned nothing')
  return body
}

export function toJson(spans: ReadableSpan[]): string {
  const body = JsonTraceSerializer.serializeRequest(spans)
  if (body === undefined) throw new Error('the JSON serializer returned nothing')
  return new TextDecoder().decode(body)
}

/** A copy of a recorded span with other attributes (values the SDK API would not accept). */
export function withAttributes(span: ReadableSpan, attributes: Record<string, unknown>): ReadableSpan {
  return Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, {
    attributes: attributes as Attributes,
    spanContext: () => span.spanContext(),
  })
}

/** `"<seconds>.<9 digits>"` of an SDK HrTime. */
export function hrTimeText(time: HrTime): string {
  return `${time[0]}.${String(time[1]).padStart(9, '0')}`
}

export function hrTimeNanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])
}

/** A copy of a recorded span with other ids (hex text as the SDK would carry it). */
export function withIds(span: ReadableSpan, ids: { traceId?: string; spanId?: string; parentSpanId?: string }): ReadableSpan {
  const context = { ...span.spanContext(), ...(ids.traceId === undefined ? {} : { traceId: ids.traceId }), ...(ids.spanId === undefined ? {} : { spanId: ids.spanId }) }
  const parentSpanContext = ids.parentSpanId === undefined ? span.parentSpanContext : { ...context, spanId: ids.parentSpanId }
  return Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, {
    spanContext: () => context,
    parentSpanContext,
  })
}
