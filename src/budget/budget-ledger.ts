import { diag } from '@opentelemetry/api'
import type { BudgetConfig } from './budget-config.js'
import { combineEvaluations, type BudgetDecision } from './budget-decision.js'
import type { BudgetScope } from './budget-scope.js'
import { BudgetState } from './budget-state.js'
import { budgetStatus, type BudgetStatus } from './budget-status.js'
import { OutputTokenPercentiles, type OutputTokenEstimate, type OutputTokenPercentilesOptions } from './output-token-percentiles.js'
import { LedgerReservation, type Reservation, type ReservationHooks } from './reservation.js'
import { addSpanId, type LocalCall } from './local-call.js'
import type { SpendSource } from './spend-source.js'

export interface BudgetLedgerOptions {
  /** Parsed budgets (parseBudgets, or the router config's `budgets`). */
  budgets: readonly BudgetConfig[]
  source: SpendSource
  /** The clock every window, age and staleness is measured by (default Date.now). */
  now?: () => number
  /** How often the store's figures are read in the background (default 1 s). */
  refreshIntervalMs?: number
  /** A reservation neither settled nor released is released after this long and counted (default 1 h). */
  reservationTtlMs?: number
  /** A finished call without a span id leaves local spend this long after it finished (default 30 s). */
  ingestDelayMs?: number
  /** Per budget, the most finished calls kept waiting for the store (default 100,000). */
  maxUnconfirmedCalls?: number
  /** Refreshes at most this many budgets at once (default 4). */
  refreshConcurrency?: number
  outputTokens?: OutputTokenPercentilesOptions & { refreshIntervalMs?: number }
  /** The model's largest output, for reservations without maxTokens or history. */
  maxOutputTokens?: (model: string) => number | undefined
  /** Output tokens reserved when nothing else is known (default 32,768). */
  defaultMaxOutputTokens?: number
}

export interface BudgetLedgerStats {
  activeReservations: number
  /** The worst cases of the active reservations, each counted once, in pico-USD. */
  reservedUnits: bigint
  /** Reservations the ledger released because nobody ended them within reservationTtlMs. */
  expiredReservations: number
  /** Finished calls waiting for the store, summed over budgets. */
  unconfirmedCalls: number
  /** Finished calls dropped because more than maxUnconfirmedCalls waited. */
  droppedUnconfirmed: number
  refreshes: number
  refreshFailures: number
}

interface ActiveReservation {
  reservation: LedgerReservation
  states: BudgetState[]
}

/**
 * The budget ledger: decides before every call from figures it already holds, so a
 * decision never waits on ClickHouse. A budget's spend is the store's settled figure
 * (refreshed in the background, at most `maxStalenessMs` old before the budget's
 * `onStoreUnavailable` applies) plus this process's finished calls the store does not
 * show yet plus its calls in flight. See budget-state.ts for how a finished call is
 * handed over to the store exactly once, and README.md for several processes.
 */
export class BudgetLedger {
  readonly budgets: readonly BudgetConfig[]
  readonly source: SpendSource
  readonly #now: () => number
  readonly #states: BudgetState[]
  readonly #active = new Map<number, ActiveReservation>()
  readonly #percentiles: OutputTokenPercentiles
  readonly #options: BudgetLedgerOptions
  #nextId = 0
  #expired = 0
  #refreshes = 0
  #refreshFailures = 0
  #refreshChain: Promise<void> = Promise.resolve()
  readonly #failing = new Set<string>()
  #timers: NodeJS.Timeout[] = []
  #startPromise: Promise<void> | undefined
  #closed = false

  constructor(options: BudgetLedgerOptions) {
    this.#options = options
    this.budgets = options.budgets
    this.source = options.source
    this.#now = options.now ?? Date.now
    const createdAtMs = this.#now()
    this.#states = options.budgets.map((config) => new BudgetState({
      config,
      createdAtMs,
      ingestDelayMs: options.ingestDelayMs ?? 30_000,
      maxUnconfirmedCalls: options.maxUnconfirmedCalls ?? 100_000,
    }))
    this.#percentiles = new OutputTokenPercentiles(options.outputTokens)
    const refreshIntervalMs = options.refreshIntervalMs ?? 1_000
    for (const config of options.budgets) {
      if (config.maxStalenessMs > refreshIntervalMs * 2) continue
      diag.warn(`switchyard budgets: budget "${config.name}" allows a figure ${config.maxStalenessMs} ms old but the ledger reads the store `
        + `every ${refreshIntervalMs} ms: one slow read makes it stale; raise maxStalenessMs or lower refreshIntervalMs`)
    }
  }

  /**
   * Read the store once (spend and output-token percentiles), then keep reading it in
   * the background. Await it before the first call: until a first figure arrives, a
   * budget knows only this process's spend.
   */
  start(): Promise<void> {
    this.#startPromise ??= (async () => {
      await Promise.all([this.refresh(), this.refreshOutputTokens()])
      if (this.#closed) return
      this.#every(this.#options.refreshIntervalMs ?? 1_000, () => this.refresh())
      this.#every(this.#options.outputTokens?.refreshIntervalMs ?? 300_000, () => this.refreshOutputTokens())
    })()
    return this.#startPromise
  }

  /** Stop the background reads; wait for one in progress. Reservations keep working on the last figures. */
  async close(): Promise<void> {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers = []
    await this.#refreshChain
  }

  /**
   * The decision for a call in `scope` that may cost up to `worstCaseUnits` pico-USD
   * (0 when unknown): synchronous, from the figures in memory. An action applies once
   * spent + the call's worst case would pass its share of the limit. Nothing is
   * reserved; use `reserve` to claim the spend.
   */
  decide(scope: BudgetScope, options: { worstCaseUnits?: bigint } = {}): BudgetDecision {
    return this.#evaluate(scope, options.worstCaseUnits ?? 0n, this.#now()).decision
  }

  /**
   * Decide and, unless the decision is block, reserve the call's worst case against
   * every matching budget in the same synchronous step, so concurrent calls cannot
   * all pass on the same room. Throws the decision's BudgetExceededError on block.
   */
  reserve(options: { scope: BudgetScope; worstCaseUnits: bigint; spanId?: string }): Reservation {
    if (options.worstCaseUnits < 0n) throw new RangeError(`worstCaseUnits must not be negative (got ${options.worstCaseUnits})`)
    const nowMs = this.#now()
    const { decision, states } = this.#evaluate(options.scope, options.worstCaseUnits, nowMs)
    if (decision.error !== undefined) throw decision.error
    const id = ++this.#nextId
    // One call object for every matching budget (see LocalCall).
    const call: LocalCall = { units: options.worstCaseUnits, atMs: nowMs, spanIds: options.spanId === undefined ? [] : [options.spanId] }
    for (const state of states) state.addReservation(id, call)
    const reservation = new LedgerReservation({
      id,
      decision,
      worstCaseUnits: options.worstCaseUnits,
      reservedAtMs: nowMs,
      hooks: new ReservedBudgets({ call, states, active: this.#active, now: this.#now }),
    })
    this.#active.set(id, { reservation, states })
    return reservation
  }

  /**
   * Output tokens to reserve for a call: its `maxTokens`; else the p95 of what this
   * workflow, step and model produced before (capped at the model's maximum); else the
   * model's maximum; else `defaultMaxOutputTokens`.
   */
  outputTokensFor(options: { scope: BudgetScope; maxTokens?: number }): OutputTokenEstimate {
    if (options.maxTokens !== undefined) return { tokens: options.maxTokens, source: 'request' }
    const maximum = options.scope.model === undefined ? undefined : this.#options.maxOutputTokens?.(options.scope.model)
    const percentile = this.#percentiles.lookup(options.scope)
    if (percentile !== undefined) return { tokens: maximum === undefined ? percentile : Math.min(percentile, maximum), source: 'percentile' }
    if (maximum !== undefined) return { tokens: maximum, source: 'model_maximum' }
    return { tokens: this.#options.defaultMaxOutputTokens ?? 32_768, source: 'default' }
  }

  /**
   * Read every budget's figure from the source now. Refreshes run one after another:
   * a call made while one runs gets the next. Never rejects: a budget whose read fails
   * keeps its last figure, and the failure is counted and logged once per outage.
   */
  refresh(): Promise<void> {
    const run = this.#refreshChain.then(() => this.#refreshAll())
    this.#refreshChain = run.catch(() => undefined)
    return run
  }

  /** Read the output-token percentiles now; a failure keeps the last ones. */
  async refreshOutputTokens(): Promise<void> {
    try {
      await this.#percentiles.refresh({ source: this.source, nowMs: this.#now() })
    } catch (error) {
      diag.warn(`switchyard budgets: cannot read output-token percentiles from ${this.source.description}: ${messageOf(error)}`)
    }
  }

  stats(): BudgetLedgerStats {
    let reservedUnits = 0n
    for (const { reservation } of this.#active.values()) reservedUnits += reservation.worstCaseUnits
    return {
      activeReservations: this.#active.size,
      reservedUnits,
      expiredReservations: this.#expired,
      unconfirmedCalls: this.#states.reduce((sum, state) => sum + state.unconfirmedCount, 0),
      droppedUnconfirmed: this.#states.reduce((sum, state) => sum + state.droppedUnconfirmed, 0),
      refreshes: this.#refreshes,
      refreshFailures: this.#refreshFailures,
    }
  }

  /** Every budget's figures now, with its burn rate: what `switchyard budgets` prints. */
  status(): BudgetStatus[] {
    const nowMs = this.#now()
    return this.#states.map((state) => budgetStatus({ state, nowMs }))
  }

  #evaluate(scope: BudgetScope, worstCaseUnits: bigint, nowMs: number): { decision: BudgetDecision; states: BudgetState[] } {
    const states = this.#states.filter((state) => state.match.matches(scope))
    const decision = combineEvaluations(states.map((state) => state.evaluate(nowMs, worstCaseUnits)), scope)
    return { decision, states }
  }

  async #refreshAll(): Promise<void> {
    this.#expireReservations()
    const queue = [...this.#states]
    const worker = async (): Promise<void> => {
      for (let state = queue.shift(); state !== undefined; state = queue.shift()) await this.#refreshState(state)
    }
    const concurrency = Math.max(1, Math.min(this.#options.refreshConcurrency ?? 4, queue.length))
    await Promise.all(Array.from({ length: concurrency }, worker))
    this.#refreshes += 1
  }

  async #refreshState(state: BudgetState): Promise<void> {
    const startedAtMs = this.#now()
    const query = state.spendQuery(startedAtMs, this.source.maxSpanIds)
    try {
      const snapshot = await this.source.fetchSpend(query)
      state.applySnapshot({ snapshot, startedAtMs })
      if (this.#failing.delete(state.config.name)) {
        diag.info(`switchyard budgets: budget "${state.config.name}" reads ${this.source.description} again`)
      }
    } catch (error) {
      this.#refreshFailures += 1
      state.recordFailure(messageOf(error))
      if (!this.#failing.has(state.config.name)) {
        this.#failing.add(state.config.name)
        diag.warn(`switchyard budgets: cannot read the spend of budget "${state.config.name}" from ${this.source.description}: `
          + `${messageOf(error)}; going on with its last figure and this process's own spend for up to ${state.config.maxStalenessMs} ms, `
          + `then onStoreUnavailable: "${state.config.onStoreUnavailable}" applies`)
      }
    }
  }

  #expireReservations(): void {
    const ttlMs = this.#options.reservationTtlMs ?? 3_600_000
    const nowMs = this.#now()
    for (const { reservation } of [...this.#active.values()]) {
      if (reservation.reservedAtMs + ttlMs > nowMs) continue
      if (reservation.release()) {
        this.#expired += 1
        diag.warn(`switchyard budgets: released reservation ${reservation.id} after ${ttlMs} ms without settle or release; `
          + 'end every reservation in a finally block')
      }
    }
  }

  #every(intervalMs: number, task: () => Promise<void>): void {
    const schedule = (): void => {
      if (this.#closed) return
      const timer = setTimeout(() => {
        this.#timers = this.#timers.filter((item) => item !== timer)
        void task().finally(schedule)
      }, intervalMs)
      timer.unref()
      this.#timers.push(timer)
    }
    schedule()
  }
}

/**
 * What ending a reservation does to the budgets it was reserved against. A class, not
 * four closures per reservation: the router reserves before every call.
 */
class ReservedBudgets implements ReservationHooks {
  readonly #call: LocalCall
  readonly #states: readonly BudgetState[]
  readonly #active: Map<number, ActiveReservation>
  readonly #now: () => number

  constructor(options: { call: LocalCall; states: readonly BudgetState[]; active: Map<number, ActiveReservation>; now: () => number }) {
    this.#call = options.call
    this.#states = options.states
    this.#active = options.active
    this.#now = options.now
  }

  attachSpan(id: number, spanId: string): void {
    for (const state of this.#states) state.attachSpan(id, spanId)
  }

  settle(id: number, units: bigint, spanIds: readonly string[]): void {
    this.#active.delete(id)
    const call = this.#call
    for (const spanId of spanIds) addSpanId(call, spanId)
    // Every budget takes the worst case out before the units change, then the budgets
    // that must wait for the store count the actual cost (a LocalSpend's total relies on it).
    let waiting: BudgetState[] | undefined
    for (const state of this.#states) {
      if (state.finishReservation(id, units)) (waiting ??= []).push(state)
    }
    if (waiting === undefined) return
    call.units = units
    call.settledAtMs = this.#now()
    for (const state of waiting) state.addFinished(id, call)
  }

  release(id: number): void {
    this.#active.delete(id)
    for (const state of this.#states) state.release(id)
  }

  streamLimitUnits(id: number): bigint | undefined {
    const nowMs = this.#now()
    let limit: bigint | undefined
    for (const state of this.#states) {
      const room = state.streamRoom(id, nowMs)
      if (room !== undefined && (limit === undefined || room < limit)) limit = room
    }
    return limit
  }
}

/** A ledger over `source`; call `start()` before the first decision. */
export function createBudgetLedger(options: BudgetLedgerOptions): BudgetLedger {
  return new BudgetLedger(options)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
