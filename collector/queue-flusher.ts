import { diag } from '@opentelemetry/api'
import type { Store } from '../src/store/create-store.js'
import { insertJsonRows } from '../src/store/insert-json-rows.js'
import { spanRowColumns } from './otlp/span-row.js'
import type { CollectorMetrics } from './collector-metrics.js'
import type { SealedSegment } from './queue/sealed-segment.js'
import type { SegmentQueue } from './queue/segment-queue.js'
import { sleepUntilAborted } from '../src/shared/sleep-until-aborted.js'

export interface QueueFlusherOptions {
  queue: SegmentQueue
  store: Store
  metrics: CollectorMetrics
  retryBaseDelayMs: number
  retryMaxDelayMs: number
}

/**
 * Moves sealed queue segments into `otel_traces`, oldest first, one insert per
 * segment with the segment's token: a retry after a lost response, or a replay after
 * a crash, is deduplicated by ClickHouse. A segment is acknowledged (deleted) only
 * after its insert succeeded; store errors are retried with capped exponential
 * backoff and full jitter for as long as the collector runs.
 */
export class QueueFlusher {
  readonly #options: QueueFlusherOptions
  readonly #stopController = new AbortController()
  #running: Promise<void> | undefined
  #lastError: string | undefined

  constructor(options: QueueFlusherOptions) {
    this.#options = options
  }

  /** The last store error, cleared by the next successful insert. */
  get lastError(): string | undefined {
    return this.#lastError
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Stop after the current insert attempt; what is not written stays on disk for the next start. */
  async stop(): Promise<void> {
    this.#stopController.abort()
    await this.#running
  }

  async #loop(): Promise<void> {
    const { queue, metrics } = this.#options
    const signal = this.#stopController.signal
    let waitFailures = 0
    while (!signal.aborted) {
      let segment: SealedSegment
      try {
        segment = await queue.nextSealed(signal)
        waitFailures = 0
      } catch (error) {
        if (signal.aborted) break
        // A closed or failed queue: say so, and do not spin.
        waitFailures += 1
        diag.error(`switchyard collector: cannot take the next batch from the queue: ${String(error)}`)
        await sleepUntilAborted(this.#backoff(waitFailures), signal)
        continue
      }
      let body: Buffer
      try {
        body = await segment.read()
      } catch (error) {
        // The file stays on disk (and in the queue's depth); the next start offers it again.
        metrics.unreadableBatches += 1
        diag.error(`switchyard collector: cannot read batch ${segment.token} (${segment.rows} spans), left on disk for the next start: ${String(error)}`)
        continue
      }
      let attempt = 0
      while (!signal.aborted) {
        const started = performance.now()
        try {
          await insertJsonRows({ store: this.#options.store, table: 'otel_traces', body, columns: spanRowColumns, deduplicationToken: segment.token })
          metrics.observeInsert((performance.now() - started) / 1000)
          metrics.spansWritten += segment.rows
          metrics.batchesWritten += 1
          this.#lastError = undefined
          await queue.ack(segment.seq)
          break
        } catch (error) {
          attempt += 1
          metrics.storeErrors += 1
          this.#lastError = error instanceof Error ? error.message : String(error)
          diag.warn(`switchyard collector: insert of batch ${segment.token} (${segment.rows} spans) failed, attempt ${attempt}; retrying: ${this.#lastError}`)
          await sleepUntilAborted(this.#backoff(attempt), signal)
        }
      }
    }
  }

  #backoff(attempt: number): number {
    const { retryBaseDelayMs, retryMaxDelayMs } = this.#options
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** Math.min(attempt - 1, 20))
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
  }
}
