import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'

/** The global OpenTelemetry SDK for a test file, writing every ended span into memory at once. */
export interface SpanRecorder {
  spans(): ReadableSpan[]
  /** switchyard's model-call CLIENT spans (`chat …` / `embeddings …`), not those an SDK emits itself. */
  calls(): ReadableSpan[]
  reset(): void
  /** Swap in a telemetry whose span processor throws on every start and end; returns a restore function. */
  breakProcessing(): Promise<() => Promise<void>>
  shutdown(): Promise<void>
}

export function startSpanRecorder(): SpanRecorder {
  // Shutting a telemetry down stops its exporters, so each start gets a fresh one.
  let exporter = new InMemorySpanExporter()
  const start = (): Telemetry => {
    exporter = new InMemorySpanExporter()
    return startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  }
  let telemetry = start()
  return {
    spans: () => exporter.getFinishedSpans(),
    calls: () => exporter.getFinishedSpans().filter((span) => span.kind === 2 && span.instrumentationScope.name === 'switchyard'),
    reset: () => exporter.reset(),
    async breakProcessing() {
      await telemetry.shutdown()
      const exploding: SpanProcessor = {
        onStart: () => { throw new Error('processor exploded') },
        onEnd: () => { throw new Error('processor exploded') },
        forceFlush: async () => {},
        shutdown: async () => {},
      }
      const broken = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [exploding] })
      return async () => {
        await broken.shutdown()
        telemetry = start()
      }
    },
    shutdown: () => telemetry.shutdown(),
  }
}
