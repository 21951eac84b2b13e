/** One request's share of a BodyMemoryBudget. */
export interface BodyMemoryLease {
  /** Bytes this lease holds now. */
  readonly bytes: number
  /** Grow the lease to `bytes` (never shrinks it); false, holding what it held, when the budget has no room. */
  holdAtLeast(bytes: number): boolean
  /** Give everything back; later calls do nothing. */
  release(): void
}

/**
 * A bound on the request-body bytes held in memory across every request being read
 * at once. Each request's bytes are bounded by `maxBodyBytes`, but not how many
 * requests are read side by side: 60 unfinished 15 MiB uploads once held 600 MB.
 * A request leases what it declares before its body is read, and grows the lease
 * as chunks (and decompressed bytes) arrive; past the bound it is refused with a
 * 503 and Retry-After, as a full queue is, and the bytes it held are given back.
 */
export class BodyMemoryBudget {
  #heldBytes = 0
  #refusals = 0

  constructor(readonly maxBytes: number) {}

  /** Bytes leased now, across every request. */
  get heldBytes(): number {
    return this.#heldBytes
  }

  /** Leases refused for lack of room, since start. */
  get refusals(): number {
    return this.#refusals
  }

  /** An empty lease for one request; release it once its body is no longer held. */
  lease(): BodyMemoryLease {
    let held = 0
    return {
      get bytes() {
        return held
      },
      holdAtLeast: (bytes: number): boolean => {
        if (bytes <= held) return true
        if (!this.#take(bytes - held)) return false
        held = bytes
        return true
      },
      release: (): void => {
        this.#heldBytes -= held
        held = 0
      },
    }
  }

  #take(bytes: number): boolean {
    if (this.#heldBytes + bytes > this.maxBytes) {
      this.#refusals += 1
      return false
    }
    this.#heldBytes += bytes
    return true
  }
}
