/**
 * Refusing before reading. Once an append finds the queue full on disk, the next
 * export requests get their 503 before their body is read, decoded, priced and
 * encoded, until the flusher has freed at least one segment of room. Without it,
 * a burst past the queue made the collector do all that work for every request
 * only to drop the result, so its memory and CPU grew with the burst. A request
 * refused this way would mostly not have fitted anyway; OTLP exporters retry a
 * 503 after its Retry-After.
 */
export class QueueShedding {
  readonly #queueBytes: () => number
  readonly #resumeAtBytes: number
  #shedding = false
  #retryAfterMs = 1_000

  /** `queueBytes` reads the queue's size now; shedding stops once it is at or under `resumeAtBytes`. */
  constructor(queueBytes: () => number, resumeAtBytes: number) {
    this.#queueBytes = queueBytes
    this.#resumeAtBytes = resumeAtBytes
  }

  /** An append was refused for lack of disk room in the queue. */
  queueFull(retryAfterMs: number): void {
    this.#shedding = true
    this.#retryAfterMs = retryAfterMs
  }

  /** The Retry-After to send, in ms, when a request should be refused unread; undefined when it should be read. */
  refuseFor(): number | undefined {
    if (!this.#shedding) return undefined
    if (this.#queueBytes() <= this.#resumeAtBytes) {
      this.#shedding = false
      return undefined
    }
    return this.#retryAfterMs
  }
}
