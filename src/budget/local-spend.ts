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
  /** An iterator kept at the oldest call, so that finding it never walks deleted entries twice (see `oldest`). */
  #cursor: MapIterator<[number, LocalCall]> | undefined
  /** The oldest call, once found; set and delete keep it current. */
  #head: [number, LocalCall] | undefined

  override set(id: number, call: LocalCall): this {
    const previous = super.get(id)
    if (previous !== undefined) {
      this.#totalUnits -= previous.units
      // Replaced in place: a Map keeps the key where it was.
      if (this.#head?.[0] === id) this.#head = [id, call]
    }
    this.#totalUnits += call.units
    if (call.atMs < this.#earliestAtMs) this.#earliestAtMs = call.atMs
    return super.set(id, call)
  }

  override delete(id: number): boolean {
    const previous = super.get(id)
    if (previous === undefined) return false
    this.#totalUnits -= previous.units
    super.delete(id)
    if (this.#head?.[0] === id) this.#head = undefined
    if (this.size === 0) this.#earliestAtMs = Number.POSITIVE_INFINITY
    return true
  }

  override clear(): void {
    super.clear()
    this.#totalUnits = 0n
    this.#earliestAtMs = Number.POSITIVE_INFINITY
    this.#cursor = undefined
    this.#head = undefined
  }

  /**
   * The call added first among those still here. A Map used as a queue keeps its deleted
   * entries at the front until it next grows, and a fresh iterator walks past every one of
   * them: with 100,000 calls waiting, `entries().next()` alone cost ~100 µs. The cursor
   * walks each entry once, however often the oldest is asked for.
   */
  oldest(): [number, LocalCall] | undefined {
    if (this.#head !== undefined || this.size === 0) return this.#head
    // Every entry the cursor passed was deleted, so the next one it meets is the oldest.
    let next = this.#cursor?.next()
    if (next === undefined || next.done === true) {
      // An iterator that reached the end stays there: start a new one for the calls added since.
      this.#cursor = super.entries()
      next = this.#cursor.next()
    }
    this.#head = next.done === true ? undefined : next.value
    return this.#head
  }

  /** Drop the calls whose start minute has left a window starting at `windowStartMs`; walks only when one may have. */
  deleteOutsideWindow(options: { windowStartMs: number; floorMinute: (ms: number) => number; minuteMs: number; onDelete?: ((id: number) => void) | undefined }): void {
    const { windowStartMs, floorMinute, minuteMs } = options
    if (this.size === 0 || floorMinute(this.#earliestAtMs) + minuteMs > windowStartMs) return
    let earliest = Number.POSITIVE_INFINITY
    for (const [id, call] of this) {
      if (floorMinute(call.atMs) + minuteMs <= windowStartMs) {
        this.delete(id)
        options.onDelete?.(id)
      } else if (call.atMs < earliest) earliest = call.atMs
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
