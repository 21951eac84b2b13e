import { diag } from '@opentelemetry/api'
import type { Store } from '../store/create-store.js'
import { classifyInsertFailure, type InsertFailure } from '../store/classify-insert-failure.js'
import { insertJsonRows } from '../store/insert-json-rows.js'
import { OTEL_TRACES_INSERT_CHECK_TABLE } from '../store/migrations/0006-insert-check-table.js'
import { backoffDelay } from '../shared/backoff-delay.js'
import { sleepUntilAborted } from '../shared/sleep-until-aborted.js'
import { spanRowColumns } from './otlp/span-row.js'
import type { CollectorMetrics } from './collector-metrics.js'
import { DeadLetterFile } from './dead-letter-file.js'
import { EngineMemoryPurge } from './engine-memory-purge.js'
import { settleBatch, type BatchSettlement, type CheckOutcome, type RangeOutcome, type RowRange } from './settle-batch.js'
import type { SealedSegment } from './queue/sealed-segment.js'
import type { SegmentQueue } from './queue/segment-queue.js'

export interface QueueFlusherOptions {
  queue: SegmentQueue
  store: Store
  metrics: CollectorMetrics
  retryBaseDelayMs: number
  retryMaxDelayMs: number
  /** Where rows the store refuses as invalid are set aside (see DeadLetterFile). */
  deadLetterFile: string
  /** Bound on the dead-letter file; refused rows past it are counted as dropped. */
  deadLetterMaxBytes: number
  /** The flusher reports itself stuck once inserts have kept failing for this long. */
  stuckAfterMs: number
  /** Awaited before each segment is deleted (the journal of seen spans is made durable); retried with backoff until it succeeds. */
  beforeAck?: () => Promise<void>
  /** Uniform in [0, 1), drawn for each backoff's jitter; Math.random unless a test injects one. */
  random?: () => number
}

/** The flusher's state for `/healthz`: row-free, like everything it logs. */
export interface FlusherHealth {
  /** The oldest batch has failed for stuckAfterMs or longer: every later span waits behind it. */
  stuck: boolean
  /** When the current run of failed attempts began (ISO time), null while inserts succeed. */
  failingSince: string | null
  /** Failed attempts in the current run. */
  failedAttempts: number
}

/**
 * Moves sealed queue segments into `otel_traces`, oldest first, one insert per
 * segment with the segment's token: a retry after a lost response, or a replay after
 * a crash, is deduplicated by ClickHouse. A segment is acknowledged (deleted) only
 * once every row of it is settled: written, or set aside.
 *
 * An insert that fails for a reason that may pass (connection, timeout, memory, too
 * many parts, an unknown error) is retried with capped exponential backoff and full
 * jitter for as long as the collector runs, and `health()` reports the flusher stuck
 * once that has lasted stuckAfterMs. When the store refuses a batch as invalid data,
 * settleBatch checks its rows against the collector's own schema for `otel_traces`
 * (migration 6): rows invalid by themselves go to the dead-letter file and the rest is
 * written, so one bad row never holds up the spans behind it; rows that are valid are
 * never set aside, whatever the store says of them (a changed column or a failing view
 * would otherwise empty the queue into the dead-letter file), and are retried as a fault
 * of the store. Logs and `lastError` name the error (code and ClickHouse's name for
 * it), never the rows the store's message quotes.
 */
export class QueueFlusher {
  readonly #options: QueueFlusherOptions
  readonly #stopController = new AbortController()
  readonly #purge: EngineMemoryPurge
  #running: Promise<void> | undefined
  #lastError: string | undefined
  #failing: { since: number; attempts: number } | undefined

  constructor(options: QueueFlusherOptions) {
    this.#options = options
    this.#purge = new EngineMemoryPurge(options.store)
  }

  /** The last store error, row-free (`CANNOT_PARSE_DATETIME (code 41)`), cleared by the next successful insert. */
  get lastError(): string | undefined {
    return this.#lastError
  }

  health(now = Date.now()): FlusherHealth {
    const failing = this.#failing
    if (failing === undefined) return { stuck: false, failingSince: null, failedAttempts: 0 }
    return {
      stuck: now - failing.since >= this.#options.stuckAfterMs,
      failingSince: new Date(failing.since).toISOString(),
      failedAttempts: failing.attempts,
    }
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
    const { metrics } = this.#options
    const signal = this.#stopController.signal
    const deadLetters = await this.#openDeadLetters()
    let waitFailures = 0
    while (!signal.aborted) {
      let segment: SealedSegment
      try {
        segment = await this.#nextSealed(signal)
        waitFailures = 0
      } catch (error) {
        if (signal.aborted) break
        // A closed or failed queue: say so, do not spin, and count it against health like a failed insert.
        waitFailures += 1
        this.#failing ??= { since: Date.now(), attempts: 0 }
        this.#failing.attempts += 1
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
      const settlement = await settleBatch({
        body,
        token: segment.token,
        rows: segment.rows,
        insert: (range, options) => this.#insertUntilSettled(segment, range, options),
        check: (range) => this.#checkUntilSettled(segment, range),
      })
      if (settlement === undefined) break
      if (settlement.refused.length > 0) await this.#setAside(segment, settlement, deadLetters)
      metrics.batchesWritten += 1
      if (!(await this.#acknowledge(segment))) break
      // An embedded engine's freed pages go back to the system, or a burst's writing stays in the RSS.
      await this.#purge.afterBatch()
    }
  }

  /**
   * The next sealed segment. While the engine's purge after the last batches is owed
   * (they came within a second of the previous one), the wait for it purges once that
   * second is over: an idle flusher does not keep a burst's freed pages resident.
   * The purge runs here, between this flusher's inserts, never beside one.
   */
  async #nextSealed(signal: AbortSignal): Promise<SealedSegment> {
    const next = this.#options.queue.nextSealed(signal)
    const dueInMs = this.#purge.dueInMs()
    if (dueInMs === undefined) return next
    let timer: NodeJS.Timeout | undefined
    const due = new Promise<'due'>((resolve) => {
      timer = setTimeout(() => resolve('due'), dueInMs)
    })
    try {
      const first = await Promise.race([next, due])
      if (first !== 'due') return first
    } finally {
      clearTimeout(timer)
    }
    await this.#purge.purgeOwed()
    return next
  }

  /**
   * Deletes a written segment once `beforeAck` (the journal of seen spans made durable)
   * succeeded, retrying both with backoff until they do or the flusher stops: a segment
   * given up on would stay on disk and in the queue's bytes until the next start, and
   * deleting it without the journal would let a client's re-send count twice. Later
   * batches wait meanwhile, and `health()` counts it as failing like an insert.
   */
  async #acknowledge(segment: SealedSegment): Promise<boolean> {
    const { queue, beforeAck } = this.#options
    const signal = this.#stopController.signal
    let attempts = 0
    while (!signal.aborted) {
      try {
        await beforeAck?.()
        await queue.ack(segment.seq)
        this.#failing = undefined
        return true
      } catch (error) {
        // Stopped mid-way: written but not deleted, the next start replays it, deduplicated.
        if (signal.aborted) break
        attempts += 1
        this.#failing ??= { since: Date.now(), attempts: 0 }
        this.#failing.attempts += 1
        const delay = this.#backoff(attempts)
        diag.error(`switchyard collector: cannot delete batch ${segment.token} after writing it, attempt ${attempts}; retrying in ${delay} ms, later batches wait: ${String(error)}`)
        await sleepUntilAborted(delay, signal)
      }
    }
    return false
  }

  /**
   * Inserts one range, retrying what may pass; resolves written or stopped, or with
   * `refusal: 'report'`, the store's refusal of the rows as invalid. With `refusal:
   * 'retry'` the rows were checked valid, so a refusal is the store's fault: retried.
   */
  #insertUntilSettled(segment: SealedSegment, range: RowRange, options: { refusal: 'report' | 'retry' }): Promise<RangeOutcome> {
    const { store, metrics } = this.#options
    const rows = range.end - range.start
    return this.#untilSettled({
      segment,
      range,
      what: 'insert',
      reportRefusal: options.refusal === 'report',
      attempt: async () => {
        const started = performance.now()
        await insertJsonRows({ store, table: 'otel_traces', body: range.body, columns: spanRowColumns, deduplicationToken: range.token, maxPartitions: Math.max(100, rows) })
        metrics.observeInsert((performance.now() - started) / 1000)
        metrics.spansWritten += rows
      },
    }).then((outcome) => (outcome === 'done' ? 'written' : outcome))
  }

  /** Inserts one range into the check table (nothing is kept), retrying what may pass; resolves valid, the refusal, or stopped. */
  #checkUntilSettled(segment: SealedSegment, range: RowRange): Promise<CheckOutcome> {
    const { store } = this.#options
    return this.#untilSettled({
      segment,
      range,
      what: 'check',
      reportRefusal: true,
      attempt: () => insertJsonRows({ store, table: OTEL_TRACES_INSERT_CHECK_TABLE, body: range.body, columns: spanRowColumns, deduplicationToken: range.token }),
    }).then((outcome) => {
      if (outcome === 'done') return 'valid'
      // Some rows of the batch are invalid by themselves: settleBatch splits it from here.
      if (outcome !== 'stopped' && range.token === segment.token) this.#options.metrics.batchesSplit += 1
      return outcome
    })
  }

  /** Runs `attempt` until it succeeds, is refused as invalid (when that is reported), or the flusher stops; retries the rest with backoff. */
  async #untilSettled(options: { segment: SealedSegment; range: RowRange; what: 'insert' | 'check'; reportRefusal: boolean; attempt: () => Promise<void> }): Promise<'done' | 'stopped' | InsertFailure> {
    const { segment, range, what, reportRefusal, attempt } = options
    const { metrics } = this.#options
    const signal = this.#stopController.signal
    let attempts = 0
    while (!signal.aborted) {
      try {
        await attempt()
        this.#lastError = undefined
        this.#failing = undefined
        return 'done'
      } catch (error) {
        const failure = classifyInsertFailure(error)
        this.#lastError = failure.summary
        if (failure.kind === 'invalid-rows' && reportRefusal) {
          // Not a failure to wait out: the rows are checked, and the batch goes on.
          this.#failing = undefined
          return failure
        }
        attempts += 1
        metrics.storeErrors += 1
        this.#failing ??= { since: Date.now(), attempts: 0 }
        this.#failing.attempts += 1
        const delay = this.#backoff(attempts)
        const cause = failure.kind === 'invalid-rows'
          ? `the store refuses rows that are valid for otel_traces (a changed column, or a view that fails?), so none is set aside: ${failure.summary}`
          : failure.summary
        diag.warn(`switchyard collector: ${what} of batch ${segment.token} (${describeRange(segment, range)}) failed, attempt ${attempts}; retrying in ${delay} ms: ${cause}`)
        await sleepUntilAborted(delay, signal)
      }
    }
    return 'stopped'
  }

  async #setAside(segment: SealedSegment, settlement: BatchSettlement, deadLetters: DeadLetterFile): Promise<void> {
    const { metrics } = this.#options
    const outcome = await deadLetters.record({ batch: segment.token, rows: settlement.refused, time: new Date() })
    metrics.spansDeadLettered += outcome.written
    metrics.spansDeadLetterDropped += outcome.dropped
    const causes = [...new Set(settlement.refused.map((row) => row.failure.name))].slice(0, 5).join(', ')
    const fate = outcome.alreadyRecorded > 0
      ? `already in ${deadLetters.file} from the previous run`
      : `${outcome.written} set aside in ${deadLetters.file}${outcome.dropped > 0 ? `, ${outcome.dropped} dropped (${outcome.error === undefined ? 'the file is at its size bound' : `cannot write the file: ${String(outcome.error)}`})` : ''}`
    diag.warn(`switchyard collector: the store refused ${settlement.refused.length} of the ${segment.rows} spans of batch ${segment.token} as invalid (${causes}); the other ${settlement.writtenRows} are written, the refused ones ${fate}`)
  }

  async #openDeadLetters(): Promise<DeadLetterFile> {
    const { queue, deadLetterFile: file, deadLetterMaxBytes: maxBytes } = this.#options
    const pendingBatches = new Set(queue.sealed().map((segment) => segment.token))
    try {
      return await DeadLetterFile.open({ file, maxBytes, pendingBatches })
    } catch (error) {
      // A file that cannot be checked must not stop the flusher: what is appended to it
      // from here may repeat a replayed batch's rows, or fail and be counted as dropped.
      diag.error(`switchyard collector: cannot check the dead-letter file ${file}: ${String(error)}`)
      return DeadLetterFile.unchecked({ file, maxBytes })
    }
  }

  #backoff(attempt: number): number {
    const { retryBaseDelayMs, retryMaxDelayMs, random = Math.random } = this.#options
    return backoffDelay({ attempt, baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs, random })
  }
}

function describeRange(segment: SealedSegment, range: RowRange): string {
  return range.token === segment.token ? `${segment.rows} spans` : `spans ${range.start}-${range.end - 1} of ${segment.rows}`
}
