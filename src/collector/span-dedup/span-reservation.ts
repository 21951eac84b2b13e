import type { SpanRow } from '../otlp/span-row.js'

/** What a reservation needs from the set that made it. */
export interface ReservationOwner {
  /** Turns the reserved keys into remembered ones, accepted now. */
  commitKeys(keys: Uint32Array, count: number): void
  /** Frees the reserved keys, so a retry of their spans is taken. */
  releaseKeys(keys: Uint32Array, count: number): void
  isRemembered(high: number, low: number): boolean
  settled(reservation: SpanReservation): void
}

/**
 * One request's claim on its spans' keys, from before its append to the queue until
 * the append settled. `takeRows()` hands over the spans to append (those neither
 * remembered nor claimed by another request in flight) and keeps no reference to them:
 * the reservation lives until the append settles, beside every other request of a burst
 * waiting for the same fsync, and must not hold its decoded rows (several times the
 * encoded size) all that time. Exactly one of `commit` (the append is on disk)
 * or `release` (it failed) must follow; whichever comes second does nothing, so a
 * `finally` may release unconditionally.
 *
 * A span already claimed by a request in flight is left out of `rows`, but this request
 * must not be acknowledged before that claim is committed: `othersAccepted` waits for
 * the requests that were in flight and says whether all such spans are now remembered.
 */
export class SpanReservation {
  #rows: readonly SpanRow[]
  /** Spans left out because they were remembered or claimed (within the request too). */
  readonly duplicates: number
  /** Spans appended without being remembered: the set had no room, or their ids were not hex. */
  readonly untracked: number
  readonly #owner: ReservationOwner | undefined
  readonly #keys: Uint32Array
  readonly #count: number
  /** High and low halves of keys claimed elsewhere when this reservation was made. */
  readonly #waiting: readonly number[]
  readonly #earlier: readonly SpanReservation[]
  #state: 'reserved' | 'committed' | 'released' = 'reserved'
  #settle: ((committed: boolean) => void) | undefined
  /** Resolves true once committed, false once released. */
  readonly settledAs: Promise<boolean>

  constructor(fields: {
    owner?: ReservationOwner
    rows: readonly SpanRow[]
    duplicates: number
    untracked: number
    keys: Uint32Array
    count: number
    waiting: readonly number[]
    earlier: readonly SpanReservation[]
  }) {
    this.#rows = fields.rows
    this.duplicates = fields.duplicates
    this.untracked = fields.untracked
    this.#owner = fields.owner
    this.#keys = fields.keys
    this.#count = fields.count
    this.#waiting = fields.waiting
    this.#earlier = fields.earlier
    this.settledAs = new Promise((resolve) => {
      this.#settle = resolve
    })
  }

  /** The spans to append, until taken. */
  get rows(): readonly SpanRow[] {
    return this.#rows
  }

  /** The spans to append, handed over once: afterwards the reservation holds only keys. */
  takeRows(): readonly SpanRow[] {
    const rows = this.#rows
    this.#rows = []
    return rows
  }

  /** Whether other requests' settling is worth waiting for (only those that were in flight with this one's spans). */
  get waitsForOthers(): boolean {
    return this.#waiting.length > 0
  }

  commit(): void {
    if (this.#state !== 'reserved') return
    this.#state = 'committed'
    this.#owner?.commitKeys(this.#keys, this.#count)
    this.#finish(true)
  }

  release(): void {
    if (this.#state !== 'reserved') return
    this.#state = 'released'
    this.#owner?.releaseKeys(this.#keys, this.#count)
    this.#finish(false)
  }

  /**
   * Call after `commit`. Resolves true when every span this request left out because
   * another request in flight claimed it is now remembered (that request's append
   * succeeded), false when one is not (it failed: this request must be refused, so its
   * client sends the spans again).
   */
  async othersAccepted(): Promise<boolean> {
    if (this.#waiting.length === 0) return true
    const outcomes = await Promise.all(this.#earlier.map((reservation) => reservation.settledAs))
    if (this.#state === 'committed' && outcomes.every(Boolean)) return true
    const owner = this.#owner
    if (owner === undefined) return false
    for (let index = 0; index < this.#waiting.length; index += 2) {
      if (!owner.isRemembered(this.#waiting[index]!, this.#waiting[index + 1]!)) return false
    }
    return true
  }

  #finish(committed: boolean): void {
    this.#owner?.settled(this)
    this.#settle?.(committed)
    this.#settle = undefined
  }
}
