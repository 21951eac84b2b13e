import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api'
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'

/**
 * Real SDK spans made on demand, without touching the global API: a private tracer
 * provider writing into memory. Tests send them with the official exporters or
 * serializers, exactly as an instrumented app would.
 */
export function makeSpanFactory(serviceName = 'agent-service'): {
  tracer: ReturnType<BasicTracerProvider['getTracer']>
  take(): ReadableSpan[]
} {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  })
  return {
    tracer: provider.getTracer('test-scope', '1.2.3'),
    take() {
      const spans = memory.getFinishedSpans()
      memory.reset()
      return [...spans]
    },
  }
}

/** `count` finished model-call spans (CLIENT, GenAI attributes), each with its own ids. */
export function makeModelCallSpans(count: number, options: { workflow?: string; costUsd?: string } = {}): ReadableSpan[] {
  const factory = makeSpanFactory()
  for (let index = 0; index < count; index++) {
    const span = factory.tracer.startSpan('chat gpt-4.1-mini', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4.1-mini',
        'gen_ai.usage.input_tokens': 100 + index,
        'gen_ai.usage.output_tokens': 10,
        'gen_ai.workflow.name': options.workflow ?? 'bulk',
        'switchyard.step': 'execute',
        'switchyard.cost.usd': options.costUsd ?? '0.0001',
        'switchyard.cost.source': 'catalog',
        'sequence': index,
      },
    }, context.active())
    span.setStatus({ code: SpanStatusCode.OK })
    span.end()
  }
  return factory.take()
}

export function serializeSpans(spans: ReadableSpan[], encoding: 'protobuf' | 'json'): Buffer {
  const bytes = encoding === 'protobuf' ? ProtobufTraceSerializer.serializeRequest(spans) : JsonTraceSerializer.serializeRequest(spans)
  if (bytes === undefined) throw new Error('the OTLP serializer returned nothing')
  return Buffer.from(bytes)
}

export { trace }
