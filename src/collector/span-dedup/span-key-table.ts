/** The tag of a free slot. */
export const EMPTY_TAG = 0
/** The tag of a key reserved by a request whose append has not settled yet. */
export const PENDING_TAG = 255
/** Generation tags run from 1 to this, then start again at 1. */
export const MAX_GENERATION_TAG = 254

/** Bytes of one slot: a 64-bit key and a one-byte tag. */
export const SLOT_BYTES = 9

/**
 * An open-addressing hash set of 64-bit keys (already keyed hashes, so the low bits
 * are the home slot) with a one-byte tag per key: the generation the key was accepted
 * in, or PENDING_TAG. Linear probing over a power-of-two array kept at most half full
 * by its owner, so a lookup touches about two slots, mostly in one cache line.
 *
 * Memory is fixed at construction: 9 bytes per slot, slots = the next power of two at
 * or above twice `capacity` (18 bytes per remembered key when full at a power-of-two
 * capacity, 18 MiB for 2^20 keys). Nothing is allocated per key. Counts per tag let
 * the owner know how many keys each generation holds without a scan.
 */
export class SpanKeyTable {
  readonly slots: number
  readonly #mask: number
  /** Slot i's key: high half at 2i, low half at 2i + 1 (one cache line for both). */
  readonly #keys: Uint32Array
  readonly #tags: Uint8Array
  readonly #tagCounts = new Float64Array(256)
  #size = 0

  constructor(options: { capacity: number }) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 1 || options.capacity > 2 ** 28) {
      throw new RangeError(`a span key table holds 1 to 2^28 keys, got ${options.capacity}`)
    }
    this.slots = Math.max(16, 2 ** Math.ceil(Math.log2(options.capacity * 2)))
    this.#mask = this.slots - 1
    this.#keys = new Uint32Array(this.slots * 2)
    this.#tags = new Uint8Array(this.slots)
  }

  /** Keys held, pending ones included. */
  get size(): number {
    return this.#size
  }

  /** Bytes of the table's arrays. */
  get bytes(): number {
    return this.#keys.byteLength + this.#tags.byteLength
  }

  /** How many keys carry `tag`. */
  count(tag: number): number {
    return this.#tagCounts[tag]!
  }

  /** The slot holding the key, or -1. */
  find(high: number, low: number): number {
    const slot = this.#probe(high, low)
    return this.#tags[slot] === EMPTY_TAG ? -1 : slot
  }

  /** The slot holding the key, else the empty slot where a linear probe for it stops. */
  #probe(high: number, low: number): number {
    const keys = this.#keys
    const tags = this.#tags
    const mask = this.#mask
    let slot = low & mask
    while (tags[slot] !== EMPTY_TAG) {
      if (keys[slot * 2 + 1] === low && keys[slot * 2] === high) return slot
      slot = (slot + 1) & mask
    }
    return slot
  }

  /**
   * The slot holding the key if it is there (>= 0); else stores it with `tag` and
   * returns the complement (`~slot`, < 0) of the slot it took. The caller keeps the
   * table under half full, so there is always a free slot.
   */
  findOrInsert(high: number, low: number, tag: number): number {
    const slot = this.#probe(high, low)
    if (this.#tags[slot] !== EMPTY_TAG) return slot
    this.#keys[slot * 2] = high
    this.#keys[slot * 2 + 1] = low
    this.#tags[slot] = tag
    this.#tagCounts[tag] = this.#tagCounts[tag]! + 1
    this.#size += 1
    return ~slot
  }

  tagAt(slot: number): number {
    return this.#tags[slot]!
  }

  setTag(slot: number, tag: number): void {
    const previous = this.#tags[slot]!
    this.#tagCounts[previous] = this.#tagCounts[previous]! - 1
    this.#tagCounts[tag] = this.#tagCounts[tag]! + 1
    this.#tags[slot] = tag
  }

  /**
   * Frees a slot. Later keys of its probe run are shifted back into the gap (no
   * tombstones), so lookups stay as short as at insert time.
   */
  remove(slot: number): void {
    const keys = this.#keys
    const tags = this.#tags
    const mask = this.#mask
    this.#tagCounts[tags[slot]!] = this.#tagCounts[tags[slot]!]! - 1
    this.#size -= 1
    let gap = slot
    let next = (gap + 1) & mask
    while (tags[next] !== EMPTY_TAG) {
      const home = keys[next * 2 + 1]! & mask
      // The key at `next` may fill the gap unless its home lies cyclically in (gap, next].
      const homeAfterGap = gap <= next ? home > gap && home <= next : home > gap || home <= next
      if (!homeAfterGap) {
        keys[gap * 2] = keys[next * 2]!
        keys[gap * 2 + 1] = keys[next * 2 + 1]!
        tags[gap] = tags[next]!
        gap = next
      }
      next = (next + 1) & mask
    }
    tags[gap] = EMPTY_TAG
  }

  /**
   * Removes, in one pass over the table, every key whose tag is set in `dropped` (256
   * entries), and returns how many went. Each surviving key is moved back towards its
   * home slot in the same pass, so no tombstones are left. Starting just after a free
   * slot makes this safe: every probe run is then visited from its first slot on.
   */
  removeTags(dropped: Uint8Array): number {
    const keys = this.#keys
    const tags = this.#tags
    const mask = this.#mask
    let removed = 0
    let start = 0
    while (tags[start] !== EMPTY_TAG) start += 1
    for (let step = 1; step <= this.slots; step++) {
      const slot = (start + step) & mask
      const tag = tags[slot]!
      if (tag === EMPTY_TAG) continue
      if (dropped[tag] !== 0) {
        tags[slot] = EMPTY_TAG
        removed += 1
        continue
      }
      const high = keys[slot * 2]!
      const low = keys[slot * 2 + 1]!
      tags[slot] = EMPTY_TAG
      let target = low & mask
      while (tags[target] !== EMPTY_TAG) target = (target + 1) & mask
      keys[target * 2] = high
      keys[target * 2 + 1] = low
      tags[target] = tag
    }
    for (let tag = 0; tag < 256; tag++) {
      if (dropped[tag] !== 0) this.#tagCounts[tag] = 0
    }
    this.#size -= removed
    return removed
  }

  /** Calls `visit` with every key carrying a tag set in `wanted` (256 entries). */
  forEach(wanted: Uint8Array, visit: (high: number, low: number, tag: number) => void): void {
    for (let slot = 0; slot < this.slots; slot++) {
      const tag = this.#tags[slot]!
      if (tag !== EMPTY_TAG && wanted[tag] !== 0) visit(this.#keys[slot * 2]!, this.#keys[slot * 2 + 1]!, tag)
    }
  }
}
