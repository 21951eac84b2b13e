import type { LocalCall } from './local-call.js'

/**
 * This process's calls of one budget (reserved, or finished and not yet in the
 * store), with their running total and a lower bound of their start times. A
 * decision needs the sum of those still in the window: while the lower bound is in
 * the window, that is the running total, with no walk over thousands of calls.
 */
export class LocalSpend extends Map<number, LocalCall> {
  #totalUnits = 0n
  #earliestAtMs = Number.POSITIVE_INFINITY

  override set(id: number, call: LocalCall): this {
    const previous = super.get(id)
    if (previous !== undefined) this.#totalUnits -= previous.units
    this.#totalUnits += call.units
    if (call.atMs < this.#earliestAtMs) this.#earliestAtMs = call.atMs
    return super.set(id, call)
  }

  override delete(id: number): boolean {
    const previous = super.get(id)
    if (previous === undefined) return false
    this.#totalUnits -= previous.units
    super.delete(id)
    if (this.size === 0) this.#earliestAtMs = Number.POSITIVE_INFINITY
    return true
  }

  override clear(): void {
    super.clear()
    this.#totalUnits = 0n
    this.#earliestAtMs = Number.POSITIVE_INFINITY
  }

  /** Drop the calls whose start minute has left a window starting at `windowStartMs`; walks only when one may have. */
  deleteOutsideWindow(options: { windowStartMs: number; floorMinute: (ms: number) => number; minuteMs: number }): void {
    const { windowStartMs, floorMinute, minuteMs } = options
    if (this.size === 0 || floorMinute(this.#earliestAtMs) + minuteMs > windowStartMs) return
    let earliest = Number.POSITIVE_INFINITY
    for (const [id, call] of this) {
      if (floorMinute(call.atMs) + minuteMs <= windowStartMs) this.delete(id)
      else if (call.atMs < earliest) earliest = call.atMs
    }
    this.#earliestAtMs = earliest
  }

  /** The units of the calls whose start minute is still inside a window starting at `windowStartMs`. */
  unitsInWindow(options: { windowStartMs: number; floorMinute: (ms: number) => number; minuteMs: number }): bigint {
    const { windowStartMs, floorMinute, minuteMs } = options
    if (this.size === 0) return 0n
    if (floorMinute(this.#earliestAtMs) + minuteMs > windowStartMs) return this.#totalUnits
    let units = 0n
    let earliest = Number.POSITIVE_INFINITY
    for (const call of this.values()) {
      if (call.atMs < earliest) earliest = call.atMs
      if (floorMinute(call.atMs) + minuteMs > windowStartMs) units += call.units
    }
    // Deletions leave the bound stale (too early); the walk makes it exact again.
    this.#earliestAtMs = earliest
    return units
  }
}
