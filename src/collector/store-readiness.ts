import { diag } from '@opentelemetry/api'
import type { Store } from '../store/create-store.js'
import { backoffDelay } from '../shared/backoff-delay.js'
import { errorSummary } from '../shared/error-summary.js'
import { sleepUntilAborted } from '../shared/sleep-until-aborted.js'

export interface StoreReadinessOptions {
  store: Store
  /** Brings the store to the collector's schema and prices (the migrations, the price rows); run once the store answers. */
  prepare: () => Promise<void>
  retryBaseDelayMs: number
  retryMaxDelayMs: number
  /** Text no log line may carry even when an error quotes it (the store's password, the collector's token). */
  secrets: readonly (string | undefined)[]
  /** Uniform in [0, 1) for the backoff's jitter; Math.random unless a test injects one. */
  random?: () => number
}

/** What `GET /readyz` answers: ready, or why not in the collector's own words (never the store's). */
export type Readiness = { ready: true } | { ready: false; reason: string }

/**
 * Whether the store answers, and whether it has been brought to the collector's schema.
 * At start the collector asks once (`start`): a store that answers is prepared there,
 * and a failure to prepare it fails the start, as a misconfigured store should; a store
 * that does not answer leaves the collector running, taking spans into its queue, while
 * this retries the store with capped exponential backoff and full jitter and prepares
 * it once it answers. Only then does the flusher start (`prepared`), so no insert meets
 * a table that does not exist yet. The log has one line per distinct failure, not one
 * per attempt: an outage is one line that names the store's redacted URL.
 */
export class StoreReadiness {
  readonly #options: StoreReadinessOptions
  readonly #stopController = new AbortController()
  readonly #prepared: Promise<void>
  #markPrepared: () => void = () => undefined
  #isPrepared = false
  #prepareFailure: string | undefined
  #lastPingFailure: string | undefined
  #retrying: Promise<void> | undefined

  constructor(options: StoreReadinessOptions) {
    this.#options = options
    this.#prepared = new Promise((resolve) => {
      this.#markPrepared = () => {
        this.#isPrepared = true
        this.#prepareFailure = undefined
        resolve()
      }
    })
  }

  /** The migrations have run and the prices are loaded: the flusher may insert. */
  get isPrepared(): boolean {
    return this.#isPrepared
  }

  /** Resolves once the store is prepared; stays pending if it never is. */
  get prepared(): Promise<void> {
    return this.#prepared
  }

  /**
   * Prepares a store that answers (rejecting with what preparing threw); for a store that
   * does not answer, resolves at once and keeps retrying in the background until `stop`.
   */
  async start(): Promise<void> {
    if (!(await this.ping({ atStart: true }))) {
      this.#retrying ??= this.#retryUntilPrepared()
      return
    }
    await this.#options.prepare()
    this.#markPrepared()
  }

  /** Stop retrying; an attempt under way is awaited. */
  async stop(): Promise<void> {
    this.#stopController.abort()
    await this.#retrying
  }

  /** `GET /readyz`: prepared, and the store answers its ping now. */
  async check(): Promise<Readiness> {
    if (!this.#isPrepared) {
      return {
        ready: false,
        reason: this.#prepareFailure === undefined
          ? 'the store has not answered since the collector started: spans are accepted into the queue, and the migrations run once it answers'
          : 'the store answers, but the collector cannot bring it to its schema (the collector\'s log says why): spans wait in the queue',
      }
    }
    if (!(await this.ping())) return { ready: false, reason: 'the store does not answer its ping: spans wait in the queue until it does' }
    return { ready: true }
  }

  /**
   * Pings the store; a failure is logged once until the store answers again or fails
   * differently. The line names the redacted URL and a summary, never the store's
   * credentials or a stack.
   */
  async ping(options: { atStart?: boolean } = {}): Promise<boolean> {
    const { store, secrets } = this.#options
    const result = await store.client.ping()
    if (result.success) {
      this.#lastPingFailure = undefined
      return true
    }
    const failure = errorSummary(result.error, { secrets })
    if (failure !== this.#lastPingFailure) {
      const consequence = options.atStart === true
        ? '; the collector starts anyway, takes spans into its queue and retries the store with backoff (GET /readyz says when it answers)'
        : ''
      diag.warn(`switchyard collector: the store ${store.displayUrl} does not answer its ping: ${failure}${consequence}`)
    }
    this.#lastPingFailure = failure
    return false
  }

  async #retryUntilPrepared(): Promise<void> {
    const { prepare, store, secrets, retryBaseDelayMs, retryMaxDelayMs, random = Math.random } = this.#options
    const signal = this.#stopController.signal
    for (let attempt = 1; !signal.aborted; attempt++) {
      await sleepUntilAborted(backoffDelay({ attempt, baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs, random }), signal)
      if (signal.aborted || !(await this.ping())) continue
      try {
        await prepare()
        this.#markPrepared()
        return
      } catch (error) {
        const failure = errorSummary(error, { secrets })
        if (failure !== this.#prepareFailure) diag.error(`switchyard collector: the store ${store.displayUrl} answers, but preparing it (migrations, prices) failed; retrying with backoff: ${failure}`)
        this.#prepareFailure = failure
      }
    }
  }
}
