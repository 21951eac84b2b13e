import { SampleWindow, type SampleStats } from './sample-window.js'

export interface LatencyTrackerOptions {
  /** Samples kept per measure. Default 256. */
  capacity?: number
  /** Samples older than this are ignored. Default 5 minutes. */
  windowMs?: number
  /** Weight of the newest sample in the moving average. Default 0.2. */
  smoothing?: number
  now: () => number
}

export interface LatencySnapshot {
  /** Whole calls, from request to last byte. */
  latency: SampleStats | undefined
  /** Streams, from request to first token. */
  timeToFirstToken: SampleStats | undefined
}

/**
 * How fast one target has been lately: total latency and time to first token,
 * each as a moving average plus p50 and p95 over a bounded window. The latency
 * strategy orders targets by it and hedging waits for the p95 time to first
 * token. Record a timed-out call at its timeout, so a hanging target sinks
 * instead of looking unmeasured.
 */
export class LatencyTracker {
  readonly #latency: SampleWindow
  readonly #timeToFirstToken: SampleWindow

  constructor(options: LatencyTrackerOptions) {
    const windowOptions = {
      capacity: options.capacity ?? 256,
      windowMs: options.windowMs ?? 300_000,
      smoothing: options.smoothing ?? 0.2,
      now: options.now,
    }
    this.#latency = new SampleWindow(windowOptions)
    this.#timeToFirstToken = new SampleWindow(windowOptions)
  }

  recordLatency(durationMs: number): void {
    this.#latency.record(durationMs)
  }

  recordTimeToFirstToken(durationMs: number): void {
    this.#timeToFirstToken.record(durationMs)
  }

  snapshot(): LatencySnapshot {
    return { latency: this.#latency.stats(), timeToFirstToken: this.#timeToFirstToken.stats() }
  }
}
