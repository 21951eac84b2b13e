import { shareMillionths, type BudgetActionConfig, type BudgetConfig } from './budget-config.js'
import type { BudgetAction, BudgetEvaluation } from './budget-decision.js'
import { compileMatch, type CompiledMatch } from './budget-match.js'
import { addSpanId, floorMinute, isInStore, minuteMs, type LocalCall } from './local-call.js'
import { rollingRetryAt, type LeavingSpend } from './retry-at.js'
import type { SpendBucket, SpendQuery, SpendSnapshot } from './spend-source.js'
import { WindowTracker } from './window-span.js'
import { LocalSpend } from './local-spend.js'

/** The recent part of a query reads `llm_calls` at least this far back (see store-spend-source.ts). */
const recentSpanMs = 10 * minuteMs
/** Span timestamps come from the process clock through the SDK; allow them to run a little behind `atMs`. */
const clockSkewMs = minuteMs

interface ParsedAction {
  action: Exclude<BudgetAction, 'allow'>
  at: number
  millionths: bigint
  /** limitUnits × millionths, the action's threshold for (spent + worst case) × 1,000,000: made once, not per decision. */
  thresholdMillionths: bigint
  downgradeTo?: string
}

export interface BudgetStateOptions {
  config: BudgetConfig
  createdAtMs: number
  /** Finished calls without a span id leave local spend this long after they finished. */
  ingestDelayMs: number
  /** The most finished calls kept waiting for the store; past it the oldest are dropped and counted. */
  maxUnconfirmedCalls: number
  /**
   * A finished call left this budget's unconfirmed spend: seen in the store by the
   * refresh whose query started at `seenAtMs` (or assumed there, for a call without
   * spans), or dropped (`seenAtMs` undefined: out of the window, or past the cap).
   * Shared budgets hand this on to Redis.
   */
  onUnconfirmedLeave?: (id: number, seenAtMs: number | undefined) => void
}

/**
 * One budget's view of spend: the store's buckets from the last refresh, and this
 * process's reserved and finished calls.
 *
 * The handover rule. A finished call is counted here ("unconfirmed") until refreshes
 * have reported every one of its span ids as seen. The seen ids come from the same
 * scan of `llm_calls` that sums the recent part of the window (one table, one
 * snapshot of its parts), and every waited-for span lies in that recent part (it
 * starts at least a minute after the recent part does). So a call leaves local spend
 * in exactly the refresh whose figure first includes all of it: never missing from
 * both (no gap), never in both once that figure is applied (no double count). Three
 * cases count twice, briefly and on the safe side: a span that reaches the store while
 * a query runs, of a call that finished after the query was built (its ids were not
 * asked about; the next refresh settles it); a call with several attempts, some of
 * whose spans arrived before the others; and a finished call without span ids, which
 * leaves after `ingestDelayMs` instead (a gap if ingest is slower than that).
 */
export class BudgetState {
  readonly config: BudgetConfig
  readonly match: CompiledMatch
  readonly window: WindowTracker
  readonly #actions: readonly ParsedAction[]
  readonly #block: ParsedAction | undefined
  readonly #options: BudgetStateOptions
  #buckets: SpendBucket[] = []
  /**
   * The settled sum of the buckets in the window, valid for window starts in
   * [fromMs, untilMs): buckets only change at a refresh, and only leave the window when
   * its start passes their end. Keeps a decision from adding up every bucket each time.
   */
  #settledCache: { buckets: SpendBucket[]; fromMs: number; untilMs: number; units: bigint } | undefined
  readonly #reserved = new LocalSpend()
  /** Finished calls with span ids, until the store has shown all of them. */
  readonly #unconfirmed = new LocalSpend()
  /** Finished calls without a span id, until `ingestDelayMs` after they finished (in that order). */
  readonly #unconfirmedByTime = new LocalSpend()
  /** The span ids the last query asked about, each with its call. */
  #asked = new Map<string, number>()
  /** The spans of each call this budget's refreshes have shown (made at the first one: most calls never need it). */
  readonly #seen = new WeakMap<LocalCall, Set<string>>()
  #lastRefreshStartMs: number | undefined
  #lastErrorMessage: string | undefined
  #droppedCount = 0
  /**
   * With shared budgets: the reservations and unconfirmed calls of the other processes,
   * as Redis last said (the ledger sets it before each evaluation). Counted in spend so
   * warn and downgrade see them; a block is decided by the shared script itself.
   */
  othersUnits = 0n

  constructor(options: BudgetStateOptions) {
    this.#options = options
    this.config = options.config
    this.match = compileMatch(options.config.match)
    this.window = new WindowTracker(options.config.window)
    this.#actions = options.config.actions.map((action) => parseAction(action, options.config.limitUnits)).sort((left, right) => left.at - right.at)
    this.#block = this.#actions.find((action) => action.action === 'block')
  }

  get reservationCount(): number {
    return this.#reserved.size
  }

  get unconfirmedCount(): number {
    return this.#unconfirmed.size + this.#unconfirmedByTime.size
  }

  /** Finished calls dropped because more than maxUnconfirmedCalls waited for the store. */
  get droppedUnconfirmed(): number {
    return this.#droppedCount
  }

  get lastError(): string | undefined {
    return this.#lastErrorMessage
  }

  get lastRefreshMs(): number | undefined {
    return this.#lastRefreshStartMs
  }

  addReservation(id: number, call: LocalCall): void {
    this.#reserved.set(id, call)
  }

  attachSpan(id: number, spanId: string): void {
    const call = this.#reserved.get(id) ?? this.#unconfirmed.get(id)
    if (call !== undefined) {
      addSpanId(call, spanId)
      return
    }
    // A finished call waiting by time gained a span (a late hedge): wait for the span instead.
    const timed = this.#unconfirmedByTime.get(id)
    if (timed === undefined) return
    addSpanId(timed, spanId)
    this.#unconfirmedByTime.delete(id)
    this.#unconfirmed.set(id, timed)
  }

  /**
   * The call finished, having cost `units` in all (its span ids already on the call):
   * its worst case leaves reserved spend. True when its actual cost must then wait for
   * the store here (hand it over with `addFinished`); false when this budget's refreshes
   * already showed all of it, or it cost nothing. The ledger sets the call's actual
   * units in between, once for every budget (see LocalCall).
   */
  finishReservation(id: number, units: bigint): boolean {
    const call = this.#reserved.get(id)
    if (call === undefined) return false
    this.#reserved.delete(id)
    return !isInStore(call, this.#seen.get(call)) && units > 0n
  }

  /** A finished call, now with its actual units and settledAtMs, waits here until the store shows it. */
  addFinished(id: number, call: LocalCall): void {
    const waiting = call.spanIds.length === 0 ? this.#unconfirmedByTime : this.#unconfirmed
    waiting.set(id, call)
    if (this.unconfirmedCount > this.#options.maxUnconfirmedCalls) this.#dropOldestUnconfirmed()
  }

  #dropOldestUnconfirmed(): void {
    const withSpans = this.#unconfirmed.oldest()
    const byTime = this.#unconfirmedByTime.oldest()
    const fromByTime = withSpans === undefined
      || (byTime !== undefined && (byTime[1].settledAtMs ?? 0) < (withSpans[1].settledAtMs ?? 0))
    const dropped = fromByTime ? byTime?.[0] : withSpans[0]
    if (dropped === undefined) return
    if (fromByTime) this.#unconfirmedByTime.delete(dropped)
    else this.#unconfirmed.delete(dropped)
    this.#options.onUnconfirmedLeave?.(dropped, undefined)
    this.#droppedCount += 1
  }

  release(id: number): void {
    this.#reserved.delete(id)
  }

  /**
   * What to ask the store: the window, and up to `maxSpanIds` spans this process waits
   * for, oldest first (finished calls in the order they finished, then calls in flight).
   * Walks only as far as it asks, so a refresh costs the same with 100 or 100,000 calls waiting.
   */
  spendQuery(nowMs: number, maxSpanIds: number): SpendQuery {
    const fromMs = floorMinute(this.window.span(nowMs).startMs)
    const spanIds: string[] = []
    const asked = new Map<string, number>()
    let oldest = nowMs
    for (const calls of [this.#unconfirmed, this.#reserved]) {
      for (const [id, call] of calls) {
        if (spanIds.length >= maxSpanIds) break
        const seen = this.#seen.get(call)
        for (const spanId of call.spanIds) {
          if (seen?.has(spanId) === true || spanIds.length >= maxSpanIds) continue
          spanIds.push(spanId)
          asked.set(spanId, id)
          if (call.atMs < oldest) oldest = call.atMs
        }
      }
    }
    this.#asked = asked
    const recentFromMs = Math.max(fromMs, Math.min(floorMinute(nowMs) - recentSpanMs, floorMinute(oldest) - clockSkewMs))
    return { match: this.config.match, fromMs, recentFromMs, spanIds }
  }

  /** Take a refresh's figure; `startedAtMs` is when its query was built, which is how old the figure is. */
  applySnapshot(options: { snapshot: SpendSnapshot; startedAtMs: number }): void {
    const { snapshot, startedAtMs } = options
    this.#buckets = snapshot.buckets
    this.#lastRefreshStartMs = startedAtMs
    this.#lastErrorMessage = undefined
    for (const spanId of snapshot.seenSpanIds) {
      const id = this.#asked.get(spanId)
      if (id === undefined) continue
      const finished = this.#unconfirmed.get(id)
      if (finished !== undefined) {
        if (this.#completesFinished(finished, spanId)) {
          this.#unconfirmed.delete(id)
          this.#options.onUnconfirmedLeave?.(id, startedAtMs)
        }
        continue
      }
      const inFlight = this.#reserved.get(id)
      if (inFlight !== undefined) this.#markSeen(inFlight, spanId)
    }
    for (let oldest = this.#unconfirmedByTime.oldest(); oldest !== undefined; oldest = this.#unconfirmedByTime.oldest()) {
      if ((oldest[1].settledAtMs ?? 0) + this.#options.ingestDelayMs > startedAtMs) break
      this.#unconfirmedByTime.delete(oldest[0])
      this.#options.onUnconfirmedLeave?.(oldest[0], startedAtMs)
    }
    const leave = this.#options.onUnconfirmedLeave
    const inWindowOptions = { windowStartMs: this.window.span(startedAtMs).startMs, floorMinute, minuteMs, onDelete: leave === undefined ? undefined : (id: number) => leave(id, undefined) }
    this.#unconfirmed.deleteOutsideWindow(inWindowOptions)
    this.#unconfirmedByTime.deleteOutsideWindow(inWindowOptions)
  }

  /**
   * This budget's refresh showed `spanId` of a finished call: true when the store now
   * holds all of the call. A call with one span (most calls) needs no record of it.
   */
  #completesFinished(call: LocalCall, spanId: string): boolean {
    if (call.spanIds.length === 1 && call.spanIds[0] === spanId) return true
    return isInStore(call, this.#markSeen(call, spanId))
  }

  /** Note that this budget's refresh showed `spanId` of `call`; returns the call's seen spans. */
  #markSeen(call: LocalCall, spanId: string): Set<string> {
    let seen = this.#seen.get(call)
    if (seen === undefined) {
      seen = new Set()
      this.#seen.set(call, seen)
    }
    seen.add(spanId)
    return seen
  }

  recordFailure(message: string): void {
    this.#lastErrorMessage = message
  }

  /** This budget's figures and action for a call costing at most `worstCaseUnits`. */
  evaluate(nowMs: number, worstCaseUnits: bigint): BudgetEvaluation {
    const config = this.config
    const span = this.window.span(nowMs)
    const rollingMs = this.window.rollingMs
    const settledUnits = this.#settledSince(span.startMs)
    const inWindowOptions = { windowStartMs: span.startMs, floorMinute, minuteMs }
    const unconfirmedUnits = this.#unconfirmed.unitsInWindow(inWindowOptions) + this.#unconfirmedByTime.unitsInWindow(inWindowOptions)
    const reservedUnits = this.#reserved.unitsInWindow(inWindowOptions)
    const spentUnits = settledUnits + unconfirmedUnits + reservedUnits + this.othersUnits
    const storeAgeMs = this.#lastRefreshStartMs === undefined ? undefined : nowMs - this.#lastRefreshStartMs
    const blindMs = nowMs - (this.#lastRefreshStartMs ?? this.#options.createdAtMs)
    const stale = blindMs > config.maxStalenessMs
    const evaluation: BudgetEvaluation = {
      name: config.name,
      action: 'allow',
      settledUnits,
      unconfirmedUnits,
      reservedUnits,
      spentUnits,
      worstCaseUnits,
      limitUnits: config.limitUnits,
      share: Number((spentUnits * 1_000_000n) / config.limitUnits) / 1_000_000,
      window: config.window,
      windowStartMs: span.startMs,
      stale,
    }
    if (this.othersUnits > 0n) evaluation.othersUnits = this.othersUnits
    if (span.endMs !== undefined) evaluation.windowEndMs = span.endMs
    if (storeAgeMs !== undefined) evaluation.storeAgeMs = storeAgeMs
    if (this.#block !== undefined) evaluation.blockAt = this.#block.at

    if (stale && config.onStoreUnavailable === 'block') {
      evaluation.action = 'block'
      evaluation.reason = 'store_unavailable'
      return evaluation
    }
    const projected = (spentUnits + worstCaseUnits) * 1_000_000n
    // The strictest action that applies; between two of a kind the one with the highest
    // share, so a second downgrade (to an even cheaper route) takes over from the first.
    let chosen: ParsedAction | undefined
    for (const action of this.#actions) {
      if (projected <= action.thresholdMillionths) continue
      if (chosen === undefined || severityOf(action) >= severityOf(chosen)) chosen = action
    }
    if (chosen === undefined) return evaluation
    evaluation.action = chosen.action
    evaluation.actionAt = chosen.at
    if (chosen.downgradeTo !== undefined) evaluation.downgradeTo = chosen.downgradeTo
    if (chosen.action === 'block' && this.#block !== undefined) {
      evaluation.reason = 'limit'
      // Room again means under the lowest block threshold, whichever block action was chosen.
      const blockMillionths = this.#block.millionths
      const retryAtMs = span.endMs !== undefined
        ? ((worstCaseUnits * 1_000_000n <= this.#block.thresholdMillionths) ? span.endMs : undefined)
        : rollingRetryAt({ spend: this.#leavingSpend(span.startMs, rollingMs ?? 0), spentUnits, worstCaseUnits, limitUnits: config.limitUnits, blockMillionths })
      if (retryAtMs !== undefined) evaluation.retryAtMs = retryAtMs
    }
    return evaluation
  }

  /**
   * For the shared check: what the lowest block threshold leaves after the settled
   * figure, in pico-USD (negative when past it); undefined for a budget that never blocks.
   */
  sharedRoomUnits(nowMs: number): bigint | undefined {
    if (this.#block === undefined) return undefined
    return this.#block.thresholdMillionths / 1_000_000n - this.#settledSince(this.window.span(nowMs).startMs)
  }

  #settledSince(windowStartMs: number): bigint {
    const cache = this.#settledCache
    if (cache !== undefined && cache.buckets === this.#buckets && windowStartMs >= cache.fromMs && windowStartMs < cache.untilMs) return cache.units
    let units = 0n
    let untilMs = Number.POSITIVE_INFINITY
    for (const bucket of this.#buckets) {
      const endMs = bucket.startMs + bucket.durationMs
      if (endMs <= windowStartMs) continue
      units += bucket.units
      if (endMs < untilMs) untilMs = endMs
    }
    this.#settledCache = { buckets: this.#buckets, fromMs: windowStartMs, untilMs, units }
    return units
  }

  /** When each part of the spend in the window leaves it: only needed to say when a blocked budget has room. */
  #leavingSpend(windowStartMs: number, rollingMs: number): LeavingSpend[] {
    const leaving: LeavingSpend[] = []
    for (const bucket of this.#buckets) {
      if (bucket.startMs + bucket.durationMs <= windowStartMs) continue
      leaving.push({ units: bucket.units, leavesAtMs: bucket.startMs + bucket.durationMs + rollingMs })
    }
    for (const calls of [this.#unconfirmed, this.#unconfirmedByTime, this.#reserved]) {
      for (const call of calls.values()) {
        const minute = floorMinute(call.atMs)
        if (minute + minuteMs <= windowStartMs) continue
        // The store will bucket the call at its span's start, so it leaves the window from there.
        leaving.push({ units: call.units, leavesAtMs: minute + minuteMs + rollingMs })
      }
    }
    return leaving
  }

  /**
   * For `stopStreamAtLimit`: how much reservation `id` may cost before the spend of
   * everything else plus its own passes the lowest block threshold (never below 0).
   */
  streamRoom(id: number, nowMs: number): bigint | undefined {
    if (!this.config.stopStreamAtLimit || this.#block === undefined) return undefined
    const evaluation = this.evaluate(nowMs, 0n)
    const own = this.#reserved.get(id)
    const ownCounted = own !== undefined && floorMinute(own.atMs) + minuteMs > evaluation.windowStartMs
    const others = evaluation.spentUnits - (ownCounted ? own.units : 0n)
    const threshold = this.#block.thresholdMillionths / 1_000_000n
    return threshold > others ? threshold - others : 0n
  }

  /** Spend that started in `[fromMs, nowMs]`, buckets pro rata: for burn rates. */
  spendSince(fromMs: number, nowMs: number): bigint {
    let sum = 0n
    for (const bucket of this.#buckets) {
      const overlap = Math.min(bucket.startMs + bucket.durationMs, nowMs) - Math.max(bucket.startMs, fromMs)
      if (overlap <= 0) continue
      sum += (bucket.units * BigInt(Math.min(overlap, bucket.durationMs))) / BigInt(bucket.durationMs)
    }
    for (const calls of [this.#unconfirmed, this.#unconfirmedByTime]) {
      for (const call of calls.values()) if (call.atMs >= fromMs) sum += call.units
    }
    return sum
  }
}

function parseAction(action: BudgetActionConfig, limitUnits: bigint): ParsedAction {
  const millionths = shareMillionths(action.at)
  const thresholdMillionths = limitUnits * millionths
  if (typeof action.do === 'string') return { action: action.do, at: action.at, millionths, thresholdMillionths }
  return { action: 'downgrade', at: action.at, millionths, thresholdMillionths, downgradeTo: action.do.downgrade }
}

function severityOf(action: ParsedAction): number {
  return action.action === 'block' ? 3 : action.action === 'downgrade' ? 2 : 1
}
