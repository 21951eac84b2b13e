import type { SharedReserveBudget } from './shared-reserve-batch.js'

/** How a process sizes the room Redis grants it ahead of its calls (see README.md, "Headroom"). */
export interface SharedHeadroomOptions {
  /** Below this many calls a second in a budget the process holds no headroom: each call asks Redis (default 100). */
  minCallsPerSecond?: number
  /** The most headroom one process holds, as a share of what the budget has left (default 0.05). */
  maxShareOfRoom?: number
}

/** One budget's headroom in this process, in nano-USD. */
interface BudgetHeadroom {
  /** What Redis holds as this process's grant (never more than it confirmed). */
  granted: number
  /** The worst cases of this process's calls admitted from the grant and not yet handed over. */
  used: number
  /** Worst cases of this process's calls in flight in this budget that Redis admitted one by one. */
  checkedInFlight: number
  peak: number
  previousPeak: number
  calls: number
  previousCalls: number
  windowStartMs: number
  /** What Redis holds as this process's grant entry, as it last said (or this process last wrote). */
  inRedis: number
  /** The room and figure time of the last call: what the grant is checked against. */
  roomNano: number
  figureAtMs: number
  /** When a grant request for this budget last went to Redis (it renews the lease). */
  sentAtMs: number
}

/** One call of this process: its worst case and the budgets it still counts in. */
interface HeadroomCall {
  nano: number
  /** True when admitted from the grants, without a round trip to Redis. */
  fromGrant: boolean
  budgets: Set<string>
}

/** One budget's line in a `grant` of the budget script. */
export interface GrantRequest {
  budget: string
  roomNano: number
  figureAtMs: number
  targetNano: number
  floorNano: number
}

const windowMs = 200

/**
 * Headroom: room of each budget that Redis grants this process ahead of its calls, so
 * that under load a call is admitted in the process, in microseconds, instead of
 * waiting for a script call. The grant is an entry of its own in Redis (reserved, with
 * a lease), counted against the limit like any reservation; the process admits its
 * calls into it exactly, so N processes still admit together no more than the limit.
 * A grant grows only by half of what the budget has left and by at most
 * `maxShareOfRoom` of it, and shrinks to what is used when the calls slow down, so
 * near the limit calls go back to one check in Redis each. The cost of a finished
 * call leaves the grant only once the sync that hands its cost to Redis succeeded.
 */
export class SharedGrants {
  readonly #minCallsPerSecond: number
  readonly #maxShare: number
  readonly #budgets = new Map<string, BudgetHeadroom>()
  readonly #calls = new Map<string, HeadroomCall>()
  #closing = false

  constructor(options: SharedHeadroomOptions = {}) {
    this.#minCallsPerSecond = options.minCallsPerSecond ?? 100
    this.#maxShare = options.maxShareOfRoom ?? 0.05
  }

  track(budgets: readonly string[], nowMs: number): void {
    for (const name of budgets) {
      this.#budgets.set(name, { granted: 0, used: 0, inRedis: 0, checkedInFlight: 0, peak: 0, previousPeak: 0, calls: 0, previousCalls: 0, windowStartMs: nowMs, roomNano: -1, figureAtMs: 0, sentAtMs: 0 })
    }
  }

  /**
   * Count a new call and admit it from the grants when every one of its budgets has
   * room left in its grant; false sends it to Redis as before.
   */
  admit(entryId: string, nano: number, budgets: readonly SharedReserveBudget[]): boolean {
    let fits = budgets.length > 0 && !this.#closing
    for (const budget of budgets) {
      const headroom = this.#budgets.get(budget.name)
      if (headroom === undefined) {
        fits = false
        continue
      }
      headroom.roomNano = budget.roomUnits === undefined ? -1 : Math.max(0, Number(budget.roomUnits / 1_000n))
      headroom.figureAtMs = budget.figureAtMs
      headroom.calls += 1
      if (headroom.granted - headroom.used < nano) fits = false
    }
    // What the budget's headroom would have to hold: the calls from it until handed over, and the others in flight.
    for (const budget of budgets) {
      const headroom = this.#budgets.get(budget.name)
      if (headroom === undefined) continue
      if (fits) headroom.used += nano
      else headroom.checkedInFlight += nano
      const held = headroom.used + headroom.checkedInFlight
      if (held > headroom.peak) headroom.peak = held
    }
    this.#calls.set(entryId, { nano, fromGrant: fits, budgets: new Set(budgets.map((budget) => budget.name)) })
    return fits
  }

  /**
   * The call leaves `budget` (finished, released, seen, dropped). Returns the worst
   * case the grant still holds for it when `handOver` (its cost goes to Redis in the
   * next sync, and `handedOver` settles the grant once that sync succeeded); otherwise
   * the room is free at once. 0 for a call that did not come from the grants.
   */
  leave(entryId: string, budget: string, handOver: boolean): number {
    const call = this.#calls.get(entryId)
    if (call === undefined || !call.budgets.delete(budget)) return 0
    if (call.budgets.size === 0) this.#calls.delete(entryId)
    const headroom = this.#budgets.get(budget)
    if (headroom === undefined) return 0
    if (!call.fromGrant) {
      headroom.checkedInFlight = Math.max(0, headroom.checkedInFlight - call.nano)
      return 0
    }
    if (handOver) return call.nano
    headroom.used = Math.max(0, headroom.used - call.nano)
    return 0
  }

  /**
   * The sync carrying finished calls' costs succeeded: their worst cases leave what
   * the grant's calls use, and their costs leave the grant itself (that room is spent
   * now: Redis moved it to the unconfirmed sum in the same script).
   */
  handedOver(budget: string, handOver: { worstNano: number; costNano: number; grantNano?: number }): void {
    const headroom = this.#budgets.get(budget)
    if (headroom === undefined) return
    if (handOver.grantNano !== undefined) headroom.inRedis = handOver.grantNano
    headroom.used = Math.max(0, headroom.used - handOver.worstNano)
    headroom.granted = Math.max(0, headroom.granted - handOver.costNano)
  }

  /** True while Redis holds headroom for this process in some budget. */
  holding(): boolean {
    for (const headroom of this.#budgets.values()) if (headroom.granted > 0) return true
    return false
  }

  /** What this process holds in Redis as grants, per budget (part of its own spend there). */
  grantedNano(budget: string): number {
    return this.#budgets.get(budget)?.granted ?? 0
  }

  /**
   * The grants to ask for now: a budget whose wanted size moved by a quarter, or
   * whose lease is due (`renewMs`). A shrink counts at once here (the process never
   * uses more than it asked to keep); a growth only once Redis answers.
   */
  requests(nowMs: number, renewMs: number): GrantRequest[] {
    const requests: GrantRequest[] = []
    for (const [budget, headroom] of this.#budgets) {
      if (nowMs - headroom.windowStartMs >= windowMs) {
        headroom.previousPeak = headroom.peak
        headroom.previousCalls = headroom.calls
        headroom.peak = headroom.used + headroom.checkedInFlight
        headroom.calls = 0
        headroom.windowStartMs = nowMs
      }
      const target = this.#target(headroom, nowMs)
      const floor = headroom.used
      const moved = Math.abs(target - headroom.granted) > headroom.granted / 4
      const renew = (headroom.granted > 0 || target > 0) && nowMs - headroom.sentAtMs >= renewMs
      // A shrink that failed: Redis still holds more than this process uses of it.
      const unsent = headroom.inRedis > headroom.granted
      if (!moved && !renew && !unsent && !(this.#closing && headroom.granted > floor)) continue
      if (target < headroom.granted) headroom.granted = Math.max(target, floor)
      headroom.sentAtMs = nowMs
      requests.push({ budget, roomNano: headroom.roomNano, figureAtMs: headroom.figureAtMs, targetNano: target, floorNano: floor })
    }
    return requests
  }

  /** True when a budget of the call has used three quarters of its grant: time to ask for more. */
  low(budgets: readonly SharedReserveBudget[]): boolean {
    for (const budget of budgets) {
      const headroom = this.#budgets.get(budget.name)
      if (headroom !== undefined && headroom.used * 4 > headroom.granted * 3) return true
    }
    return false
  }

  /** Redis answered a grant request: it holds `granted` for this process. */
  granted(budget: string, granted: number): void {
    const headroom = this.#budgets.get(budget)
    if (headroom === undefined) return
    headroom.inRedis = granted
    headroom.granted = Math.max(granted, headroom.used)
  }

  /** What Redis holds as this process's grant in `budget`: part of the process's own spend there. */
  inRedis(budget: string): number {
    return this.#budgets.get(budget)?.inRedis ?? 0
  }

  /** Redis may have lost the grants (it was down): hold no more than what calls use until it grants again. */
  reset(): void {
    for (const headroom of this.#budgets.values()) {
      headroom.granted = headroom.used
      headroom.inRedis = Math.min(headroom.inRedis, headroom.used)
      headroom.sentAtMs = 0
    }
  }

  /** Closing: give the headroom back, keep only what calls in flight use. */
  close(): void {
    this.#closing = true
  }

  /** Twice the peak of what calls held (in flight, or finished and not yet handed over), when they come fast enough; capped by the room left. */
  #target(headroom: BudgetHeadroom, nowMs: number): number {
    if (this.#closing || this.#maxShare === 0) return 0
    const elapsedMs = Math.max(1, nowMs - headroom.windowStartMs)
    const rate = Math.max(headroom.previousCalls * (1_000 / windowMs), headroom.calls * (1_000 / Math.max(elapsedMs, windowMs / 4)))
    if (rate < this.#minCallsPerSecond) return 0
    const wanted = Math.ceil(Math.max(headroom.peak, headroom.previousPeak) * 2)
    if (headroom.roomNano < 0) return wanted
    return Math.min(wanted, Math.floor(headroom.roomNano * this.#maxShare))
  }
}
