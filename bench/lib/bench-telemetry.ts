import type { ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'

/**
 * How spans leave the process in a variant:
 *  - `none`: no OpenTelemetry SDK registered (the API's no-op tracer);
 *  - `discard`: the SDK and its batch processor, with an exporter that drops each batch;
 *  - `sink`: the real OTLP/HTTP protobuf exporter to a server that drops the body;
 *  - `collector`: the real exporter to a running switchyard collector (everything on).
 */
export type TelemetryMode = 'none' | 'discard' | 'sink' | 'collector'

class DiscardingExporter implements SpanExporter {
  exported = 0
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported += spans.length
    resultCallback({ code: 0 })
  }

  async shutdown(): Promise<void> {}
}

/** Register the SDK for `mode` (nothing for `none`); startTelemetry's defaults otherwise. */
export function startBenchTelemetry(mode: TelemetryMode, endpoints: { sink: string; collector?: string }): Telemetry | undefined {
  if (mode === 'none') return undefined
  if (mode === 'discard') return startTelemetry({ serviceName: 'switchyard-bench', exporter: new DiscardingExporter() })
  const endpoint = mode === 'sink' ? endpoints.sink : endpoints.collector
  if (endpoint === undefined) throw new Error('no collector endpoint for telemetry mode "collector"')
  return startTelemetry({ serviceName: 'switchyard-bench', endpoint })
}
