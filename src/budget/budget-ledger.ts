import { diag } from '@opentelemetry/api'
import type { BudgetConfig } from './budget-config.js'
import { combineEvaluations, type BudgetDecision } from './budget-decision.js'
import type { BudgetScope } from './budget-scope.js'
import { BudgetState } from './budget-state.js'
import { budgetStatus, type BudgetStatus } from './budget-status.js'
import { OutputTokenPercentiles, type OutputTokenEstimate, type OutputTokenPercentilesOptions } from './output-token-percentiles.js'
import { LedgerReservation, type Reservation } from './reservation.js'
import type { LocalCall } from './local-call.js'
import { ReservedBudgets, type ActiveReservation } from './reserved-budgets.js'
import { admitShared, markSharedUnavailable, refuseSharedUnavailable } from './shared/admit-shared.js'
import type { SharedBudgetStore } from './shared/shared-budget-store.js'
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
  /**
   * Reservations shared with other processes through Redis (see README.md, "Shared
   * reservations"): started and closed with the ledger. Without it, nothing changes.
   */
  shared?: SharedBudgetStore
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
  readonly #shared: SharedBudgetStore | undefined
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
    const shared = options.shared
    this.#shared = shared
    this.#states = options.budgets.map((config) => new BudgetState({
      config,
      createdAtMs,
      ingestDelayMs: options.ingestDelayMs ?? 30_000,
      maxUnconfirmedCalls: options.maxUnconfirmedCalls ?? 100_000,
      onUnconfirmedLeave: shared === undefined ? undefined : (id, seenAtMs) => {
        if (seenAtMs === undefined) shared.leave(id, config.name)
        else shared.seen(id, config.name, seenAtMs)
      },
    }))
    if (shared !== undefined) {
      const byName = new Map(this.#states.map((state) => [state.config.name, state]))
      shared.track({ budgets: options.budgets.map((config) => config.name), figureAtMs: (name) => byName.get(name)?.lastRefreshMs ?? 0 })
    }
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
      await Promise.all([this.refresh(), this.refreshOutputTokens(), this.#shared?.start()])
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
    await this.#shared?.close()
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
    const shared = states.length === 0 ? undefined : this.#shared
    if (shared?.available === false) {
      if (shared.onUnavailable === 'block') throw refuseSharedUnavailable({ states, decision, scope: options.scope, worstCaseUnits: options.worstCaseUnits })
      markSharedUnavailable(decision)
    }
    const id = ++this.#nextId
    // One call object for every matching budget (see LocalCall).
    const call: LocalCall = { units: options.worstCaseUnits, atMs: nowMs, spanIds: options.spanId === undefined ? [] : [options.spanId] }
    for (const state of states) state.addReservation(id, call)
    const reservation = new LedgerReservation({
      id,
      decision,
      worstCaseUnits: options.worstCaseUnits,
      reservedAtMs: nowMs,
      hooks: new ReservedBudgets({ call, states, active: this.#active, now: this.#now, shared }),
    })
    this.#active.set(id, { reservation, states })
    if (shared === undefined) return reservation
    const budgets = states.map((state) => state.config.name)
    if (decision.shared === 'unavailable') {
      shared.registerLocally({ id, units: options.worstCaseUnits, budgets })
    } else {
      const admission = admitShared({ shared, reservation, states, decision, scope: options.scope, worstCaseUnits: options.worstCaseUnits, nowMs })
      // Awaited by the router; a caller that never awaits it must not see an unhandled rejection.
      admission.catch(() => undefined)
      reservation.admission = admission
    }
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
    const shared = this.#shared
    if (shared !== undefined) for (const state of states) state.othersUnits = shared.othersUnits(state.config.name)
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

/** A ledger over `source`; call `start()` before the first decision. */
export function createBudgetLedger(options: BudgetLedgerOptions): BudgetLedger {
  return new BudgetLedger(options)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
