import { trace, TraceFlags } from '@opentelemetry/api'
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { exportedSpanId } from '../../src/telemetry/model-call-span.js'

describe('exportedSpanId', () => {
  it('gives the id of a span the SDK exports, and none for a span it samples out', async () => {
    for (const [sampler, exported] of [[new AlwaysOnSampler(), true], [new AlwaysOffSampler(), false], [new TraceIdRatioBasedSampler(0), false]] as const) {
      const exporter = new InMemorySpanExporter()
      const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] })
      const span = provider.getTracer('test').startSpan('chat m')
      const id = exportedSpanId(span)
      span.end()
      await provider.forceFlush()
      // A budget waits for exactly the spans that reach the store.
      expect(exporter.getFinishedSpans().map((finished) => finished.spanContext().spanId)).toEqual(id === undefined ? [] : [id])
      expect(id !== undefined).toBe(exported)
      await provider.shutdown()
    }
  })

  it('reads the sampled flag of a propagated context, and takes no span at all', () => {
    const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }
    expect(exportedSpanId(trace.wrapSpanContext({ ...context, traceFlags: TraceFlags.SAMPLED }))).toBe('b7ad6b7169203331')
    expect(exportedSpanId(trace.wrapSpanContext({ ...context, traceFlags: TraceFlags.NONE }))).toBeUndefined()
    expect(exportedSpanId(undefined)).toBeUndefined()
  })
})
