import { diag } from '@opentelemetry/api'
import type { Store } from '../store/create-store.js'

/** At most one purge in this long: a purge costs the next insert the page faults of memory it takes back. */
const PURGE_INTERVAL_MS = 1_000

/**
 * Gives the embedded engine's freed memory back to the system once batches are written.
 *
 * With a `chdb://` store the engine runs inside the collector, and its allocator
 * (jemalloc) keeps the pages that inserts and merges free, for reuse, for seconds: in a
 * burst 8× the queue it held 349 MiB resident for 96 MiB allocated, so the collector's
 * peak grew with how much the burst got written rather than staying at what one batch
 * needs. `SYSTEM JEMALLOC PURGE` returns them (measured: 370 -> 40 MiB resident after
 * a large query, RSS 539 -> 262 MiB). Run after a written batch, at most once a second;
 * a store over HTTP, or an engine built without jemalloc, is left alone (the latter
 * is said once and not asked again).
 *
 * A batch written within the second of the last purge leaves its freed pages owed: the
 * flusher purges them once the second is over if no batch comes first (`dueInMs`,
 * `purgeOwed`). Without it the last batches of a burst stayed resident until the next
 * burst's first batch, which then started from them: a 2× burst of 64 MiB left ~90 MiB
 * that the 8× burst after it began on (bench/lib/collector-burst-probe.ts).
 */
export class EngineMemoryPurge {
  readonly #store: Store
  #lastPurgeMs = Number.NEGATIVE_INFINITY
  #enabled: boolean
  #purges = 0
  /** A batch was written since the last purge, which was too recent to purge again. */
  #owed = false

  constructor(store: Store) {
    this.#store = store
    this.#enabled = store.location.kind === 'chdb'
  }

  /** Purges made since start. */
  get purges(): number {
    return this.#purges
  }

  /** Purges when the store is embedded and the last purge is a second old or more; never throws. */
  async afterBatch(now = Date.now()): Promise<void> {
    if (!this.#enabled) return
    if (now - this.#lastPurgeMs < PURGE_INTERVAL_MS) {
      this.#owed = true
      return
    }
    await this.#purge(now)
  }

  /** Milliseconds until the owed purge may run (0: now); undefined when none is owed. */
  dueInMs(now = Date.now()): number | undefined {
    if (!this.#enabled || !this.#owed) return undefined
    return Math.max(0, this.#lastPurgeMs + PURGE_INTERVAL_MS - now)
  }

  /** Runs the purge a batch left owed, when it is due; never throws. */
  async purgeOwed(now = Date.now()): Promise<void> {
    const due = this.dueInMs(now)
    if (due === 0) await this.#purge(now)
  }

  async #purge(now: number): Promise<void> {
    this.#lastPurgeMs = now
    this.#owed = false
    try {
      await this.#store.client.command({ query: 'SYSTEM JEMALLOC PURGE' })
      this.#purges += 1
    } catch (error) {
      const message = String(error)
      // An engine without jemalloc (or the command) will never purge: say so once, stop asking.
      // Anything else (a busy or restarting engine) is tried again after the next batch.
      if (!/jemalloc|unknown|not supported|syntax error/i.test(message)) {
        diag.debug(`switchyard collector: the embedded engine's memory purge failed this time: ${message}`)
        return
      }
      this.#enabled = false
      diag.warn(`switchyard collector: the embedded engine cannot purge its allocator's freed memory, so its RSS may stay at its peak after bursts: ${message}`)
    }
  }
}
