import type { SealedSegment } from './sealed-segment.js'

interface SealedWaiter {
  resolve(segment: SealedSegment): void
  reject(reason: unknown): void
}

/**
 * The sealed segments not yet acked, oldest first, and the hand-out of each
 * one to a single `take` caller (the flusher), in seq order.
 */
export class SealedSegments {
  readonly #bySeq = new Map<number, SealedSegment>()
  /** Sealed but not yet handed out by `take`; at most one entry per segment on disk. */
  #untaken: SealedSegment[] = []
  #waiters: SealedWaiter[] = []
  #closedWith: Error | undefined
  #bytes = 0
  #rows = 0

  get count(): number {
    return this.#bySeq.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get rows(): number {
    return this.#rows
  }

  /** Segments must be added in seq order. */
  add(segment: SealedSegment): void {
    this.#bySeq.set(segment.seq, segment)
    this.#bytes += segment.bytes
    this.#rows += segment.rows
    const waiter = this.#waiters.shift()
    if (waiter === undefined) this.#untaken.push(segment)
    else waiter.resolve(segment)
  }

  get(seq: number): SealedSegment | undefined {
    return this.#bySeq.get(seq)
  }

  remove(seq: number): SealedSegment | undefined {
    const segment = this.#bySeq.get(seq)
    if (segment === undefined) return undefined
    this.#bySeq.delete(seq)
    this.#bytes -= segment.bytes
    this.#rows -= segment.rows
    this.#untaken = this.#untaken.filter((untaken) => untaken.seq !== seq)
    return segment
  }

  list(): SealedSegment[] {
    return [...this.#bySeq.values()]
  }

  /** The oldest segment not yet handed out, waiting for one to be sealed if there is none. */
  take(signal?: AbortSignal): Promise<SealedSegment> {
    const segment = this.#untaken.shift()
    if (segment !== undefined) return Promise.resolve(segment)
    if (this.#closedWith !== undefined) return Promise.reject(this.#closedWith)
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((waiting) => waiting !== waiter)
        reject(signal?.reason)
      }
      const waiter: SealedWaiter = {
        resolve(sealed) {
          signal?.removeEventListener('abort', onAbort)
          resolve(sealed)
        },
        reject(reason) {
          signal?.removeEventListener('abort', onAbort)
          reject(reason)
        },
      }
      this.#waiters.push(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Fails every pending and future `take` with `error`. */
  close(error: Error): void {
    this.#closedWith = error
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
  }
}
