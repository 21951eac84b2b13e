import { randomBytes } from 'node:crypto'
import { diag } from '@opentelemetry/api'
import { RedisScriptClient, redactedUrl } from './redis-script-client.js'
import { SharedBudgetUnavailableError } from './shared-budget-unavailable-error.js'
import { nanoOf, picoOf } from './nano-usd.js'
import { SharedGrants } from './shared-grants.js'
import { SharedProcessEntries } from './shared-process-entries.js'
import { sendGrants } from './send-grants.js'
import { sharedBudgetKeys } from './shared-budget-keys.js'
import type { SharedBudgetFigure, SharedBudgetStoreOptions } from './shared-budget-store-options.js'
import { sharedReserveBatch, type PendingReserve, type SharedReserveAnswer, type SharedReserveBudget } from './shared-reserve-batch.js'

export type { SharedReserveAnswer, SharedReserveBudget } from './shared-reserve-batch.js'
export type { SharedBudgetFigure, SharedBudgetStoreOptions } from './shared-budget-store-options.js'

/** The most calls in one reserve script call. */
const maxReserveBatch = 256

export class SharedBudgetStore {
  readonly onUnavailable: 'local' | 'block'
  readonly url: string
  readonly #client: RedisScriptClient
  readonly #options: SharedBudgetStoreOptions
  readonly #token = randomBytes(6).toString('hex')
  readonly #now: () => number
  #budgets: readonly string[] = []
  #figureAtMs: (budget: string) => number = () => 0
  readonly #entries: SharedProcessEntries
  readonly #grants: SharedGrants
  readonly #others = new Map<string, bigint>()
  readonly #reserves: PendingReserve[] = []
  #reserving = false
  #sendQueued = false
  #available: boolean | undefined
  #full = true
  #flushing: Promise<void> | undefined
  #again = false
  #scheduled = false
  #timer: NodeJS.Timeout | undefined
  #closed = false
  #droppedPending = 0
  #admittedFromGrant = 0
  #syncFailed = false
  #serialChain: Promise<unknown> = Promise.resolve()

  constructor(options: SharedBudgetStoreOptions) {
    this.#options = options
    this.url = redactedUrl(options.url)
    this.onUnavailable = options.onUnavailable
    this.#now = options.now ?? Date.now
    this.#client = new RedisScriptClient({ url: options.url, commandTimeoutMs: options.commandTimeoutMs, onScriptLoaded: () => this.#redisMayHaveLost() })
    this.#entries = new SharedProcessEntries({ token: this.#token, maxEntries: this.#maxEntries })
    this.#grants = new SharedGrants(options.headroom)
  }

  /** The budgets this process syncs, and when each one's settled figure was read. Called once by the ledger. */
  track(options: { budgets: readonly string[]; figureAtMs: (budget: string) => number }): void {
    this.#budgets = options.budgets
    this.#figureAtMs = options.figureAtMs
    this.#entries.track(options.budgets)
    this.#grants.track(options.budgets, this.#now())
  }

  /** False from a failed command until the next one succeeds; undefined before the first answer. */
  get available(): boolean | undefined {
    return this.#available
  }

  /** Connect, read every budget once, then renew in the background. Rejects only when the `redis` package is missing. */
  async start(): Promise<void> {
    await this.#client.ready(2_000)
    await this.flush()
    const renewMs = this.#options.renewIntervalMs ?? Math.max(100, Math.floor(this.#leaseMs / 4))
    // Every second at most: while Redis is down each tick asks again, so the state converges soon after it is back.
    const tickMs = Math.min(renewMs, 1_000)
    let renewedAtMs = Date.now()
    const tick = (): void => {
      if (this.#closed) return
      const due = this.#available === false || Date.now() - renewedAtMs >= renewMs - tickMs / 2
      if (due) {
        renewedAtMs = Date.now()
        this.#full = true
      }
      // A process holding headroom syncs every tick, so it gives the headroom back soon after its calls stop.
      void (due || this.#grants.holding() ? this.flush() : Promise.resolve()).finally(() => {
        if (this.#closed) return
        this.#timer = setTimeout(tick, tickMs)
        this.#timer.unref()
      })
    }
    this.#timer = setTimeout(tick, tickMs)
    this.#timer.unref()
  }

  /** Stop renewing; send what is pending (releases, seen marks) once, so other processes need not wait for leases. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#grants.close()
    clearTimeout(this.#timer)
    await this.#flushing
    // What this process holds goes back now, not at its leases' end: a sync that failed (a slow Redis) is tried twice more.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      this.#syncFailed = false
      await this.flush()
      if (!this.#syncFailed) break
    }
    await this.#client.close()
  }

  /**
   * Admit the call from this process's headroom (see shared-grants.ts) when every one
   * of its budgets has room left in its grant: no script call, nothing to wait for.
   * Every call goes through here first, so the headroom follows the calls' rate; false
   * means `reserve` it.
   */
  admitFromGrant(options: { id: number; units: bigint; budgets: readonly SharedReserveBudget[] }): boolean {
    if (this.#available !== true || this.#closed) return false
    if (this.#grants.admit(this.#entryId(options.id), nanoOf(options.units), options.budgets)) {
      this.#admittedFromGrant += 1
      // Ask for more before it runs out, not when a call finds it empty.
      if (this.#grants.low(options.budgets)) this.#schedule()
      return true
    }
    this.#schedule() // checked one by one: the next sync may grow the headroom
    return false
  }

  /** Calls admitted from this process's headroom, without a script call. */
  get admittedFromGrant(): number { return this.#admittedFromGrant }

  /**
   * The atomic check-and-reserve of one call against its budgets: admitted in all of
   * them or in none. Calls made in the same turn of the event loop, and those that
   * arrive while a check is on its way, go together in the next one (one script call
   * for all of them), so at 32 calls in flight Redis runs a few scripts, not 32.
   * Rejects with SharedBudgetUnavailableError when Redis does not answer; the entry then waits, unregistered, for the ledger to `admitLocally` or
   * `release` it.
   */
  reserve(options: { id: number; units: bigint; budgets: readonly SharedReserveBudget[] }): Promise<SharedReserveAnswer> {
    const entryId = this.#entryId(options.id)
    const nano = nanoOf(options.units)
    for (const budget of options.budgets) this.#entries.check(budget.name, entryId, nano, false)
    return new Promise((resolve, reject) => {
      this.#reserves.push({ entryId, nano, budgets: options.budgets, resolve, reject })
      this.#sendReservesSoon()
    })
  }

  /** Send at the end of this turn of the event loop, not at once: a burst of calls then goes as one batch (sent at once, the first went alone). */
  #sendReservesSoon(): void {
    if (this.#sendQueued || this.#reserving) return
    this.#sendQueued = true
    setImmediate(() => {
      this.#sendQueued = false
      this.#sendReserves()
    })
  }

  /** Send the waiting reserves as one batch, unless one is on its way (its answer sends the next). */
  #sendReserves(): void {
    if (this.#reserving || this.#reserves.length === 0) return
    this.#reserving = true
    const batch = this.#reserves.splice(0, maxReserveBatch)
    const request = sharedReserveBatch({ batch, prefix: this.#prefix, clockSkewMs: this.#options.clockSkewMs ?? 1_000 })
    const ownAtSend = this.#ownAtSend()
    this.#run(request.keys, [...this.#header('reserve'), ...request.args])
      .then((reply) => {
        const { answers, figures } = request.read(reply as number[])
        for (const [name, figureNano] of figures) this.#others.set(name, picoOf(Math.max(0, figureNano - (ownAtSend.get(name) ?? 0))))
        for (const [index, call] of batch.entries()) this.#answer(call, answers[index]!)
      }, (error: unknown) => {
        for (const call of batch) call.reject(error)
      })
      .finally(() => {
        this.#reserving = false
        this.#sendReserves()
      })
  }

  #answer(call: PendingReserve, answer: SharedReserveAnswer): void {
    for (const budget of call.budgets) this.#entries.answered(budget.name, call.entryId, answer.admitted)
    if (answer.admitted) this.#schedule()
    call.resolve(answer)
  }

  /** Redis is down and the ledger admitted the call on its own (`local`): register it once Redis answers. */
  registerLocally(options: { id: number; units: bigint; budgets: readonly string[] }): void {
    const entryId = this.#entryId(options.id)
    for (const budget of options.budgets) this.#entries.check(budget, entryId, nanoOf(options.units), true)
  }

  /** Redis did not answer a reserve and the ledger admitted the call on its own: register it at the next sync. */
  admitLocally(id: number): void {
    this.#entries.admitAlone(this.#entryId(id))
    this.#schedule()
  }

  /** The call finished costing `units`: it waits in Redis as unconfirmed until a scan sees it. */
  finish(id: number, budget: string, units: bigint): void {
    const entryId = this.#entryId(id)
    const held = this.#grants.leave(entryId, budget, true)
    if (this.#entries.finish(budget, entryId, nanoOf(units), held)) this.#schedule()
    else if (held > 0) this.#grants.handedOver(budget, { worstNano: held, costNano: nanoOf(units) })
  }

  /** This process's scan that started at `seenAtMs` saw the call (costing `units`, when known) in ClickHouse. */
  seen(id: number, budget: string, seenAtMs: number, units?: bigint): void {
    const entryId = this.#entryId(id)
    // From the headroom and seen before it finished here: its cost leaves the grant as a finished call's does.
    const held = this.#grants.leave(entryId, budget, true)
    if (held > 0) {
      const costNano = units === undefined ? held : nanoOf(units)
      if (!this.#entries.finish(budget, entryId, costNano, held)) this.#grants.handedOver(budget, { worstNano: held, costNano })
    }
    if (this.#entries.seen(budget, entryId, seenAtMs)) this.#schedule()
  }

  /** The call leaves `budget` without a cost to hand over (released, dropped, out of the window). */
  leave(id: number, budget: string): void {
    const entryId = this.#entryId(id)
    this.#grants.leave(entryId, budget, false)
    if (this.#entries.leave(budget, entryId)) this.#schedule()
  }

  /** The call leaves every budget it was in. */
  release(id: number): void {
    const entryId = this.#entryId(id)
    for (const budget of this.#budgets) {
      this.#grants.leave(entryId, budget, false)
      if (this.#entries.leave(budget, entryId)) this.#schedule()
    }
  }

  /** Other processes' reservations and unconfirmed calls in `budget`, as of the last answer from Redis. */
  othersUnits(budget: string): bigint {
    return this.#others.get(budget) ?? 0n
  }

  /** Changes that could not be sent and were dropped because too many waited (counted, never unbounded). */
  get droppedPending(): number {
    return this.#droppedPending + this.#entries.dropped
  }

  /** Every tracked budget as Redis holds it now (one sync). Throws SharedBudgetUnavailableError. */
  async figures(): Promise<SharedBudgetFigure[]> {
    const reply = await this.#sync()
    return this.#budgets.map((name, index) => ({
      name,
      reservedUnits: picoOf(Number(reply[index * 6 + 1])),
      unconfirmedUnits: picoOf(Number(reply[index * 6 + 2])),
      seenEntries: Number(reply[index * 6 + 3]),
      dropped: Number(reply[index * 6 + 4]),
      expired: Number(reply[index * 6 + 5]),
    }))
  }

  /** Send what changed (or, each renew interval, everything live) now; never rejects. */
  flush(): Promise<void> {
    if (this.#flushing !== undefined) {
      this.#again = true
      return this.#flushing
    }
    this.#flushing = (async () => {
      // Closing, the changes left (at most 48 deletes a sync) still go, up to 64 syncs; the rest end with their leases.
      let closingRounds = 0
      do {
        this.#again = false
        await this.#sync().catch(() => undefined)
        await this.#serial(() => this.#sendGrants()).catch(() => undefined)
      } while (this.#again && (!this.#closed || ++closingRounds < 64))
    })().finally(() => { this.#flushing = undefined })
    return this.#flushing
  }

  /** One sync at a time, never beside a grant: both rewrite the grant entry from what this process last heard of it. */
  #sync(): Promise<number[]> {
    return this.#serial(() => this.#syncOnce())
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serialChain.then(work)
    this.#serialChain = run.catch(() => undefined)
    return run
  }

  async #syncOnce(): Promise<number[]> {
    const full = this.#full
    this.#full = false
    const skewMs = this.#options.clockSkewMs ?? 1_000
    const sync = this.#entries.sync({
      full,
      figureAtMs: (budget) => this.#figureAtMs(budget) - skewMs,
      keysOf: (budget) => sharedBudgetKeys(this.#prefix, budget),
      grantNano: (budget) => this.#grants.inRedis(budget),
    })
    const ownAtSend = this.#withGrants(sync.ownNano)
    try {
      // Only a full sync renews leases; the changes between renewals keep theirs.
      const reply = await this.#run(sync.keys, [...this.#header(full ? 'sync' : 'update'), ...sync.args]) as number[]
      for (const [budget, handOver] of sync.sent()) this.#grants.handedOver(budget, handOver)
      // More changes wait than one sync carries: the next goes at once (flush loops on #again).
      if (sync.more) this.#again = true
      for (const [index, name] of this.#budgets.entries()) {
        this.#others.set(name, picoOf(Math.max(0, Number(reply[index * 6]) - (ownAtSend.get(name) ?? 0))))
      }
      return reply
    } catch (error) {
      sync.failed()
      this.#full = true
      this.#syncFailed = true
      throw error
    }
  }

  /**
   * Redis may have lost this process's entries (it was down, or forgot the script: it
   * restarted between two commands): send everything again, and hold no headroom
   * beyond what calls use until Redis grants anew.
   */
  #redisMayHaveLost(): void {
    this.#full = true
    this.#grants.reset()
    this.#schedule()
  }

  /** Ask Redis for the headroom this process wants now (and renew the grants' leases). */
  #sendGrants(): Promise<void> {
    return sendGrants({
      grants: this.#grants,
      nowMs: this.#now(),
      renewMs: this.#options.renewIntervalMs ?? Math.max(100, Math.floor(this.#leaseMs / 4)),
      grantId: `${this.#token}:grant`,
      prefix: this.#prefix,
      header: this.#header('grant'),
      clockSkewMs: this.#options.clockSkewMs ?? 1_000,
      run: (keys, args) => this.#run(keys, args),
    })
  }

  /** This process's own nano-USD per budget as Redis holds them: its entries, and its grants. */
  #withGrants(own: Map<string, number>): Map<string, number> {
    for (const budget of this.#budgets) own.set(budget, (own.get(budget) ?? 0) + this.#grants.inRedis(budget))
    return own
  }

  #ownAtSend(): Map<string, number> {
    return this.#withGrants(new Map(this.#budgets.map((budget) => [budget, this.#entries.ownNano(budget)])))
  }

  async #run(keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      const reply = await this.#client.run(keys, args)
      if (this.#available === false) {
        diag.info(`switchyard budgets: the shared Redis at ${this.url} answers again; re-registering this process's reservations`)
        this.#redisMayHaveLost()
      }
      this.#available = true
      return reply
    } catch (error) {
      if (!SharedBudgetUnavailableError.isInstance(error)) throw error
      if (this.#available !== false) {
        diag.warn(`switchyard budgets: ${error.message}; shared.onUnavailable is "${this.onUnavailable}": `
          + (this.onUnavailable === 'local' ? 'deciding in this process alone until it answers' : 'refusing budgeted calls until it answers'))
      }
      this.#available = false
      throw error
    }
  }

  #header(op: string): string[] {
    const leaseMs = this.#leaseMs
    return [op, String(this.#now()), String(leaseMs), String(this.#maxEntries), String(this.#options.seenRetentionMs ?? 120_000), String(Math.max(leaseMs, this.#options.seenRetentionMs ?? 120_000) * 2)]
  }

  get #leaseMs(): number { return this.#options.leaseMs ?? 60_000 }

  get #maxEntries(): number { return this.#options.maxEntriesPerBudget ?? 100_000 }

  get #prefix(): string { return this.#options.keyPrefix ?? 'switchyard:budget:' }

  #entryId(id: number): string { return `${this.#token}:${id}` }

  /**
   * One sync for the changes of the next `flushDelayMs`. Every change a sync carries
   * (a call finished, released or seen) lowers the shared figure, so sending it a few
   * ms late only counts a call a little longer at its worst case: safe, and far fewer
   * script calls than one per finished call. Reservations never wait: see `reserve`.
   */
  #schedule(): void {
    if (this.#scheduled || this.#closed) return
    this.#scheduled = true
    const timer = setTimeout(() => {
      this.#scheduled = false
      void this.flush()
    }, this.#options.flushDelayMs ?? 10)
    timer.unref()
  }
}
