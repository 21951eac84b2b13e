import { context, diag, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { readEnvironment } from '../config/environment.js'
import { setMessageContentCaptureDefault } from './message-content-capture.js'

export interface StartTelemetryOptions {
  /** OTLP/HTTP base endpoint, e.g. http://127.0.0.1:4318; default `OTEL_EXPORTER_OTLP_ENDPOINT`, else that address. */
  endpoint?: string
  /** default `OTEL_SERVICE_NAME`, else `switchyard-app` */
  serviceName?: string
  /** Replace the OTLP exporter (tests, or another backend). */
  exporter?: SpanExporter
  /** Extra span processors, run beside the batch exporter. */
  spanProcessors?: SpanProcessor[]
  /** Bounds of the batch processor's queue; what it drops past the bound is counted by the SDK. */
  maxQueueSize?: number
  maxExportBatchSize?: number
  scheduledDelayMillis?: number
  /**
   * Record prompt and completion text on the spans of routers and instrumented clients
   * that do not set `captureMessageContent` themselves. Default
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, else off.
   */
  captureMessageContent?: boolean
}

export interface Telemetry {
  provider: BasicTracerProvider
  /** Export what is buffered now. */
  flush(): Promise<void>
  /** Flush, stop exporting, and unregister the global tracer provider. */
  shutdown(): Promise<void>
}

/**
 * Set up the OpenTelemetry SDK for an app that has none: a tracer provider with a
 * batch processor and the OTLP/HTTP protobuf exporter, the async-hooks context
 * manager, and W3C trace-context + baggage propagation. switchyard itself only uses
 * the global API, so an app with its own SDK set-up does not call this.
 */
export function startTelemetry(options: StartTelemetryOptions = {}): Telemetry {
  const environment = readEnvironment()
  setMessageContentCaptureDefault(options.captureMessageContent ?? environment.captureMessageContent)
  const endpoint = (options.endpoint ?? environment.otlpEndpoint ?? 'http://127.0.0.1:4318').replace(/\/+$/, '')
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? environment.serviceName ?? 'switchyard-app' }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxQueueSize: options.maxQueueSize ?? 8192,
        maxExportBatchSize: options.maxExportBatchSize ?? 1024,
        scheduledDelayMillis: options.scheduledDelayMillis ?? 1000,
      }),
      ...(options.spanProcessors ?? []),
    ],
  })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  }))
  return {
    provider,
    flush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown()
      } catch (error) {
        diag.warn(`switchyard: telemetry shutdown: ${String(error)}`)
      }
      setMessageContentCaptureDefault(false)
      trace.disable()
      context.disable()
      propagation.disable()
    },
  }
}
