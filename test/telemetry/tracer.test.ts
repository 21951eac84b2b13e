import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { tracer } from '../../src/telemetry/tracer.js'

function providerWithExporter(): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  return { provider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), exporter }
}

describe('tracer(): looked up once per registered provider', () => {
  afterEach(() => {
    trace.disable()
  })

  it('follows an SDK registered after a first use, and one that replaces it', async () => {
    const before = tracer().startSpan('before any SDK')
    expect(before.isRecording()).toBe(false)
    before.end()

    const first = providerWithExporter()
    expect(trace.setGlobalTracerProvider(first.provider)).toBe(true)
    tracer().startSpan('to the first').end()
    expect(tracer()).toBe(tracer())
    expect(first.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['to the first'])
    expect(first.exporter.getFinishedSpans()[0]!.instrumentationScope.name).toBe('switchyard')

    trace.disable()
    const second = providerWithExporter()
    trace.setGlobalTracerProvider(second.provider)
    tracer().startSpan('to the second').end()
    expect(second.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['to the second'])
    expect(first.exporter.getFinishedSpans()).toHaveLength(1)

    trace.disable()
    expect(tracer().startSpan('after disable').isRecording()).toBe(false)
    await first.provider.shutdown()
    await second.provider.shutdown()
  })
})
