import { diag } from '@opentelemetry/api'
import { RedisScriptClient, redactedUrl } from '../budget/shared/redis-script-client.js'
import { SharedBudgetUnavailableError } from '../budget/shared/shared-budget-unavailable-error.js'
import { errorSummary } from '../shared/error-summary.js'
import type { RateLimit } from './rate-limit.js'
import { sharedRateLimitScript } from './shared-rate-limit-script.js'

export interface SharedRateLimiterOptions {
  /** `redis://` or `rediss://` URL (the config's `shared.url`). */
  url: string
  /** A command that takes longer counts as Redis being down (default 1,000 ms). */
  commandTimeoutMs?: number
  /** Key prefix (default `switchyard:ratelimit:`). */
  keyPrefix?: string
}

/** What Redis decided: admitted, refused (which bucket, and when to retry), or no answer. */
export type SharedAdmission =
  | { outcome: 'admitted' }
  | { outcome: 'refused'; bucket: 'requests' | 'tokens'; retryAfterMs: number }
  | { outcome: 'unavailable'; message: string }

/** The most keys debited in one script call. */
const maxSpendBatch = 256

/**
 * The per-key buckets of every gateway process, in Redis: one script call admits a
 * request (one round trip), and the tokens of finished calls are gathered for a turn of
 * the event loop and debited in one more call that nobody waits for. A debit that fails
 * is dropped and counted: an outage forgets some tokens rather than piling them up.
 */
export class SharedRateLimiter {
  readonly url: string
  readonly #client: RedisScriptClient
  readonly #prefix: string
  /** key name → tokens not yet sent, with the limit they are debited under. Bounded by the config's keys. */
  readonly #pending = new Map<string, { limit: RateLimit; tokens: number }>()
  #scheduled = false
  #flushing: Promise<void> = Promise.resolve()
  #droppedDebits = 0
  /** Admissions on their way to Redis, so a close (a reload that drops `shared`) lets them finish. */
  readonly #admitting = new Set<Promise<unknown>>()

  constructor(options: SharedRateLimiterOptions) {
    this.url = redactedUrl(options.url)
    this.#prefix = options.keyPrefix ?? 'switchyard:ratelimit:'
    this.#client = new RedisScriptClient({
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs,
      script: { source: sharedRateLimitScript, name: 'switchyard rate limit script' },
    })
  }

  /** Connect and wait up to `timeoutMs` for Redis; false when it is not there yet (the client keeps trying). */
  async ready(timeoutMs: number): Promise<boolean> {
    return this.#client.ready(timeoutMs)
  }

  /** The Redis key of a configured key's buckets. */
  keyOf(keyName: string): string {
    return `${this.#prefix}${keyName}`
  }

  /** Take one request from the key's shared bucket, if both of its buckets have room. */
  async admit(keyName: string, limit: RateLimit): Promise<SharedAdmission> {
    let answer: unknown
    const running = this.#client.run([this.keyOf(keyName)], ['admit', String(limit.requestsPerMinute ?? 0), String(limit.tokensPerMinute ?? 0)])
    this.#admitting.add(running)
    try {
      answer = await running
    } catch (error) {
      if (SharedBudgetUnavailableError.isInstance(error)) return { outcome: 'unavailable', message: error.message }
      throw error
    } finally {
      this.#admitting.delete(running)
    }
    if (!Array.isArray(answer) || answer[0] === 1) return { outcome: 'admitted' }
    const bucket = answer[1] === 'tokens' ? 'tokens' : 'requests'
    return { outcome: 'refused', bucket, retryAfterMs: Number(answer[2]) || 1_000 }
  }

  /** Debit the tokens a finished call used, with the next batch (not awaited by the call). */
  spend(keyName: string, limit: RateLimit, tokens: number): void {
    if (limit.tokensPerMinute === undefined || !(tokens > 0)) return
    const pending = this.#pending.get(keyName)
    this.#pending.set(keyName, { limit, tokens: (pending?.tokens ?? 0) + tokens })
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#flushing = this.#flushing.then(() => this.#flush())
    })
  }

  /** Debits sent and answered so far; resolves once the ones already gathered are done. */
  async settled(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    await this.#flushing
  }

  /** Debits lost because Redis did not answer. */
  get droppedDebits(): number {
    return this.#droppedDebits
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#admitting])
    await this.settled()
    await this.#client.close()
  }

  async #flush(): Promise<void> {
    const batch = [...this.#pending.entries()].slice(0, maxSpendBatch)
    for (const [name] of batch) this.#pending.delete(name)
    if (batch.length === 0) return
    const keys = batch.map(([name]) => this.keyOf(name))
    const args = ['spend', ...batch.flatMap(([, entry]) => [String(entry.limit.requestsPerMinute ?? 0), String(entry.limit.tokensPerMinute ?? 0), String(Math.ceil(entry.tokens))])]
    try {
      await this.#client.run(keys, args)
    } catch (error) {
      this.#droppedDebits += batch.length
      // An outage is warned by the admissions; anything else is a bug worth a line (the message holds no key).
      if (!SharedBudgetUnavailableError.isInstance(error)) diag.error(`switchyard gateway: the shared rate limit debit failed: ${errorSummary(error)}`)
    }
    if (this.#pending.size > 0) await this.#flush()
  }
}
