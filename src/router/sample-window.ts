export interface SampleWindowOptions {
  /** Samples kept; the oldest is overwritten when full. */
  capacity?: number
  /** Samples older than this are ignored. */
  windowMs: number
  /** Weight of the newest sample in the moving average, in (0, 1]. */
  smoothing?: number
  now: () => number
}

export interface SampleStats {
  /** Samples inside the window. */
  samples: number
  /** Exponentially weighted moving average: reacts to a change within a few samples. */
  averageMs: number
  p50Ms: number
  p95Ms: number
}

/**
 * Recent durations of one kind (latency or time to first token) in fixed memory:
 * a ring buffer of the last `capacity` samples for percentiles, of which only
 * those younger than `windowMs` count, and a moving average that restarts when
 * the previous sample has left the window, so a target that was slow an hour ago
 * is not judged by it.
 */
export class SampleWindow {
  readonly #values: Float64Array
  readonly #times: Float64Array
  readonly #windowMs: number
  readonly #smoothing: number
  readonly #now: () => number
  #next = 0
  #stored = 0
  #average = 0
  #lastAt: number | undefined
  #ignoredCount = 0

  constructor(options: SampleWindowOptions) {
    const capacity = options.capacity ?? 256
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65_536) {
      throw new RangeError(`capacity must be an integer from 1 to 65536, got ${capacity}`)
    }
    const smoothing = options.smoothing ?? 0.2
    if (!(smoothing > 0 && smoothing <= 1)) throw new RangeError(`smoothing must be in (0, 1], got ${smoothing}`)
    this.#values = new Float64Array(capacity)
    this.#times = new Float64Array(capacity)
    this.#windowMs = options.windowMs
    this.#smoothing = smoothing
    this.#now = options.now
  }

  /** Adds one duration; negative or non-finite values are counted in `ignored` and dropped. */
  record(durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) {
      this.#ignoredCount += 1
      return
    }
    const now = this.#now()
    this.#values[this.#next] = durationMs
    this.#times[this.#next] = now
    this.#next = (this.#next + 1) % this.#values.length
    this.#stored = Math.min(this.#stored + 1, this.#values.length)
    const stale = this.#lastAt === undefined || now - this.#lastAt > this.#windowMs
    this.#average = stale ? durationMs : this.#average + this.#smoothing * (durationMs - this.#average)
    this.#lastAt = now
  }

  /** Statistics over the samples inside the window; undefined when there are none. */
  stats(): SampleStats | undefined {
    const oldest = this.#now() - this.#windowMs
    const recent: number[] = []
    for (let index = 0; index < this.#stored; index += 1) {
      if ((this.#times[index] ?? Number.NEGATIVE_INFINITY) >= oldest) recent.push(this.#values[index] ?? 0)
    }
    if (recent.length === 0) return undefined
    recent.sort((left, right) => left - right)
    return {
      samples: recent.length,
      averageMs: this.#average,
      p50Ms: nearestRank(recent, 0.5),
      p95Ms: nearestRank(recent, 0.95),
    }
  }

  /** Samples dropped as unreadable since creation. */
  get ignored(): number {
    return this.#ignoredCount
  }
}

/** The nearest-rank percentile: a value that was really observed, never an interpolation. */
function nearestRank(sorted: readonly number[], quantile: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))
  return sorted[index] ?? 0
}
