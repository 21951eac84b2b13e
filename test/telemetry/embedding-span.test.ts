import { metrics, trace } from '@opentelemetry/api'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startModelCallSpan } from '../../src/telemetry/model-call-span.js'
import { currentScope } from '../../src/telemetry/workflow-context.js'

const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })
const meterProvider = new MeterProvider({ readers: [reader] })

beforeAll(() => {
  trace.setGlobalTracerProvider(tracerProvider)
  metrics.setGlobalMeterProvider(meterProvider)
})
afterAll(async () => {
  await tracerProvider.shutdown()
  await meterProvider.shutdown()
  trace.disable()
  metrics.disable()
})
beforeEach(() => spans.reset())

const usage = { inputTokens: 42, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 }

function embeddingSpan(dimensions?: number, providerName = 'openai') {
  return startModelCallSpan({
    operation: 'embeddings',
    dimensions,
    scope: currentScope(),
    providerName,
    serverAddress: 'api.openai.com',
    serverPort: 443,
    request: { model: 'text-embedding-3-small', messages: [] },
    stream: false,
    route: 'embed',
    attempt: 1,
    captureContent: false,
  })
}

describe('the embeddings span', () => {
  it('is `embeddings {model}`, CLIENT, with input tokens only, the answering model and the cost', () => {
    embeddingSpan(512).end({ responseModel: 'text-embedding-3-small', usage, cost: { costUsd: '0.00000084', source: 'catalog', priceVersion: 'openai/text-embedding-3-small@2024-01-25' } })
    const [span] = spans.getFinishedSpans()
    expect(span!.name).toBe('embeddings text-embedding-3-small')
    expect(span!.kind).toBe(2)
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.response.model': 'text-embedding-3-small',
      'gen_ai.embeddings.dimension.count': 512,
      'gen_ai.usage.input_tokens': 42,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'switchyard.route': 'embed',
      'switchyard.attempt': 1,
      'switchyard.cost.usd': '0.00000084',
      'switchyard.cost.source': 'catalog',
      'switchyard.price.version': 'openai/text-embedding-3-small@2024-01-25',
    })
  })

  it('records a failure with its error type and no usage', () => {
    embeddingSpan().end({ error: new Error('HTTP 500'), errorType: 'server_error' })
    const [span] = spans.getFinishedSpans()
    expect(span!.status).toMatchObject({ code: 2, message: 'HTTP 500' })
    expect(span!.attributes['error.type']).toBe('server_error')
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBeUndefined()
    expect(span!.attributes['gen_ai.embeddings.dimension.count']).toBeUndefined()
  })

  it('leaves a chat span as it was: `chat {model}` with the stream flag and every token count', () => {
    startModelCallSpan({ scope: currentScope(), providerName: 'openai', serverAddress: 'api.openai.com', serverPort: 443, request: { model: 'gpt-4.1-mini', messages: [] }, stream: true, attempt: 1, captureContent: false })
      .end({ usage })
    const [span] = spans.getFinishedSpans()
    expect(span!.name).toBe('chat gpt-4.1-mini')
    expect(span!.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.stream': true, 'gen_ai.usage.output_tokens': 0 })
  })

  it('records the client metrics under the embeddings operation, with no output-token point', async () => {
    metricExporter.reset()
    embeddingSpan(undefined, 'metrics-only').end({ responseModel: 'text-embedding-3-small', usage, cost: { costUsd: '0.00000084', source: 'catalog' } })
    await reader.forceFlush()
    const collected = metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics).flatMap((scope) => scope.metrics)
    const tokens = collected.find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage')!.dataPoints as { value: { sum: number }; attributes: Record<string, unknown> }[]
    const embeddingPoints = tokens.filter((point) => point.attributes['gen_ai.provider.name'] === 'metrics-only')
    expect(embeddingPoints.every((point) => point.attributes['gen_ai.operation.name'] === 'embeddings')).toBe(true)
    expect(embeddingPoints.map((point) => [point.attributes['gen_ai.token.type'], point.value.sum])).toEqual([['input', 42]])
  })
})
