export interface RollingCountsOptions<Name extends string> {
  names: readonly Name[]
  windowMs: number
  /** Resolution of the window: counts expire one bucket (windowMs / buckets) at a time. */
  buckets?: number
  now: () => number
}

interface Bucket {
  /** Which slice of time this bucket holds (now / bucketMs, rounded down); undefined when unused. */
  slice: number | undefined
  counts: number[]
}

/**
 * Named counters over a sliding time window, in fixed memory: a ring of buckets,
 * each holding one slice of the window, reused once its slice has passed. Sums
 * cover the current bucket and the ones before it, so the window slides in steps
 * of windowMs / buckets instead of remembering every event.
 */
export class RollingCounts<Name extends string> {
  readonly #names: readonly Name[]
  readonly #bucketMs: number
  readonly #ring: Bucket[]
  readonly #now: () => number

  constructor(options: RollingCountsOptions<Name>) {
    const buckets = options.buckets ?? 10
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1_000) {
      throw new RangeError(`buckets must be an integer from 1 to 1000, got ${buckets}`)
    }
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be above 0, got ${options.windowMs}`)
    this.#names = options.names
    this.#bucketMs = options.windowMs / buckets
    this.#now = options.now
    this.#ring = Array.from({ length: buckets }, () => ({ slice: undefined, counts: options.names.map(() => 0) }))
  }

  add(name: Name, amount = 1): void {
    const index = this.#names.indexOf(name)
    const bucket = this.#currentBucket()
    bucket.counts[index] = (bucket.counts[index] ?? 0) + amount
  }

  /** The total of one counter over the window ending now. */
  sum(name: Name): number {
    const index = this.#names.indexOf(name)
    const oldest = this.#currentSlice() - this.#ring.length + 1
    let total = 0
    for (const bucket of this.#ring) {
      if (bucket.slice !== undefined && bucket.slice >= oldest) total += bucket.counts[index] ?? 0
    }
    return total
  }

  reset(): void {
    for (const bucket of this.#ring) bucket.slice = undefined
  }

  #currentSlice(): number {
    return Math.floor(this.#now() / this.#bucketMs)
  }

  #currentBucket(): Bucket {
    const slice = this.#currentSlice()
    const index = ((slice % this.#ring.length) + this.#ring.length) % this.#ring.length
    const bucket = this.#ring[index]
    if (bucket === undefined) throw new Error('unreachable: ring index out of range')
    if (bucket.slice !== slice) {
      bucket.slice = slice
      bucket.counts.fill(0)
    }
    return bucket
  }
}
