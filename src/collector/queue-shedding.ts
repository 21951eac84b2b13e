import type { QueueFullError } from './queue/queue-errors.js'

/** Why requests are refused unread now, and the Retry-After to send. */
export interface SheddingRefusal {
  /** `disk`: the queue is full on disk; `memory`: a segment's worth of appends waits for its group commit. */
  resource: QueueFullError['resource']
  retryAfterMs: number
}

/**
 * Refusing before reading. Once an append finds the queue full, the next export
 * requests get their 503 before their body is read, decoded, priced and encoded:
 * full on disk, until the flusher has freed at least one segment of room; full in
 * memory (a segment's worth of appends waiting for their group commit), until the
 * appends waiting then are written. Without it, a burst past the queue made the
 * collector do all that work for every request only to drop the result, so its
 * memory and CPU grew with the burst (an 8× burst did the work of ~100 refused
 * requests while its accepted rows were being inserted). A request refused this way
 * would mostly not have fitted anyway; OTLP exporters retry a 503 after its Retry-After.
 */
export class QueueShedding {
  readonly #queueBytes: () => number
  readonly #resumeAtBytes: number
  #shedding = false
  #retryAfterMs = 1_000
  /** The group commit being waited for while full in memory; undefined when not. */
  #writing: Promise<void> | undefined
  #writingRetryAfterMs = 50

  /** `queueBytes` reads the queue's size now; shedding for disk stops once it is at or under `resumeAtBytes`. */
  constructor(queueBytes: () => number, resumeAtBytes: number) {
    this.#queueBytes = queueBytes
    this.#resumeAtBytes = resumeAtBytes
  }

  /** An append was refused for lack of disk room in the queue. */
  queueFull(retryAfterMs: number): void {
    this.#shedding = true
    this.#retryAfterMs = retryAfterMs
  }

  /**
   * An append was refused because the appends waiting to be written fill the queue's
   * pending bound: refuse unread until `written` (the queue's appendsSettled()) settles.
   */
  pendingFull(written: Promise<void>, retryAfterMs: number): void {
    this.#writingRetryAfterMs = retryAfterMs
    if (this.#writing === written) return
    this.#writing = written
    void written.then(() => {
      if (this.#writing === written) this.#writing = undefined
    })
  }

  /** Why a request should be refused unread now; undefined when it should be read. */
  refuseFor(): SheddingRefusal | undefined {
    if (this.#shedding) {
      if (this.#queueBytes() > this.#resumeAtBytes) return { resource: 'disk', retryAfterMs: this.#retryAfterMs }
      this.#shedding = false
    }
    if (this.#writing !== undefined) return { resource: 'memory', retryAfterMs: this.#writingRetryAfterMs }
    return undefined
  }
}
