import { diag } from '@opentelemetry/api'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { CollectorPipeline } from './open-collector-pipeline.js'
import type { IngestOutcome } from './ingest-spans.js'
import { EncodedRowsTooLargeError } from './otlp/encoded-rows-too-large-error.js'
import { OtlpDecodeError } from './otlp/otlp-decode-error.js'
import { RecordTooLargeError } from './queue/queue-errors.js'

/** Halvings of one export that is too large for a queue record: 2^12 parts is far past any batch processor's batch. */
const maxSplitDepth = 12

export interface InProcessSpanExporterOptions {
  /**
   * Exports being taken into the queue at once; one more is FAILED at once and its spans
   * counted in `droppedSpans`. A batch processor exports one batch at a time; a simple
   * processor exports every span as it ends, and a burst of those must not pile up.
   */
  maxExportsInFlight?: number
}

/**
 * The span exporter of a process that runs the collector's pipeline itself (the
 * gateway with an embedded store): finished spans go straight into the pipeline's
 * write-ahead queue through `pipeline.ingest`, with the same validation, pricing at
 * ingest and dedup as `POST /v1/traces`, and no HTTP hop or second process. An export
 * reports SUCCESS once its spans are on disk; one the pipeline cannot take (a full
 * queue, a pipeline that is closing) reports FAILED with the error, and nothing is
 * thrown into the SDK: telemetry never breaks the call. A batch too large for one
 * queue record (or past maxSpansPerRequest) is split in halves. The pipeline is not this exporter's: `shutdown`
 * waits for the exports in flight and takes no more, and the pipeline's owner closes it.
 */
export class InProcessSpanExporter implements SpanExporter {
  readonly #pipeline: CollectorPipeline
  readonly #inFlight = new Set<Promise<void>>()
  readonly #maxExportsInFlight: number
  #shutDown = false
  #droppedSpans = 0

  constructor(pipeline: CollectorPipeline, options: InProcessSpanExporterOptions = {}) {
    this.#pipeline = pipeline
    this.#maxExportsInFlight = Math.max(1, options.maxExportsInFlight ?? 64)
  }

  /** Spans of exports that were FAILED, for any reason: refused by the pipeline, past the bound in flight, after shutdown. */
  get droppedSpans(): number {
    return this.#droppedSpans
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutDown || this.#inFlight.size >= this.#maxExportsInFlight) {
      this.#droppedSpans += spans.length
      const why = this.#shutDown ? 'the in-process span exporter is shut down' : `${this.#inFlight.size} exports are being taken into the collector's queue already, the most this exporter holds`
      resultCallback({ code: ExportResultCode.FAILED, error: new Error(why) })
      return
    }
    // Started on the next turn of the event loop: the batch processor exports from inside
    // the span end that filled its batch, often a router span ending on a request's answer
    // path, and turning 1,024 spans into rows there held that answer back (a p99 spike).
    const exported = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#ingest(spans, 0)).then(
      (result) => result,
      (error: unknown): ExportResult => ({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    ).then((result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.#droppedSpans += spans.length
      try {
        resultCallback(result)
      } catch (error) {
        diag.error(`switchyard: the span processor's export callback threw: ${String(error)}`)
      }
    })
    this.#inFlight.add(exported)
    void exported.finally(() => this.#inFlight.delete(exported))
  }

  /** Resolves once every export begun so far has settled (its spans on disk, or refused). */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.#inFlight])
  }

  /** Takes no more exports and waits for those in flight; the pipeline stays open (its owner closes it). */
  async shutdown(): Promise<void> {
    this.#shutDown = true
    await this.forceFlush()
  }

  async #ingest(spans: readonly ReadableSpan[], depth: number): Promise<ExportResult> {
    let outcome: IngestOutcome
    try {
      outcome = await this.#pipeline.ingest(spans)
    } catch (error) {
      const tooLarge = EncodedRowsTooLargeError.isInstance(error) || RecordTooLargeError.isInstance(error)
        || (OtlpDecodeError.isInstance(error) && error.code === 'too_many_spans')
      if (!tooLarge || spans.length < 2 || depth >= maxSplitDepth) throw error
      const middle = Math.ceil(spans.length / 2)
      const halves = await Promise.all([this.#ingest(spans.slice(0, middle), depth + 1), this.#ingest(spans.slice(middle), depth + 1)])
      return halves.find((half) => half.code !== ExportResultCode.SUCCESS) ?? { code: ExportResultCode.SUCCESS }
    }
    if (outcome.accepted === 0 && outcome.deduplicated === 0 && outcome.rejected > 0) {
      return { code: ExportResultCode.FAILED, error: new Error(`the collector refused all ${outcome.rejected} spans of the export: ${outcome.errorMessage ?? 'invalid spans'}`) }
    }
    if (outcome.errorMessage !== undefined) {
      diag.warn(`switchyard: the collector stored ${outcome.accepted} spans of an export and refused ${outcome.rejected}: ${outcome.errorMessage}`)
    }
    return { code: ExportResultCode.SUCCESS }
  }
}
