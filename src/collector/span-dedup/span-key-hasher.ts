/** Bytes of the secret key of SpanKeyHasher. */
export const SPAN_KEY_HASH_KEY_BYTES = 16

// The value of each hex digit by char code, -1 for every other UTF-16 code unit: one
// lookup per character, no range check (64 KiB, of which only the first line is hot).
const hexValues = new Int8Array(65_536).fill(-1)
for (let digit = 0; digit < 16; digit++) {
  hexValues[digit.toString(16).charCodeAt(0)] = digit
  hexValues[digit.toString(16).toUpperCase().charCodeAt(0)] = digit
}

/**
 * A span's (TraceId, SpanId) as a 64-bit key: SipHash-1-3 under a secret random key of
 * the set that remembers spans. Ids come from the network, so a plain hash would let a
 * sender craft ids that land in one slot of the table (long probe chains on the hot
 * path) or collide with someone else's span; without the key neither can be aimed.
 * 64 bits keep an accidental collision among a million remembered spans at about 3e-8.
 *
 * The ids are read as the hex text the decoders produce (32 and 16 digits, '' for all
 * zeros), four digits at a time, so no bytes are allocated per span. The result is in
 * `high` and `low` (unsigned 32-bit halves), valid until the next call. Written with
 * 32-bit halves because a BigInt per span would cost more than the rest of the lookup.
 */
export class SpanKeyHasher {
  high = 0
  low = 0
  readonly #k0h: number
  readonly #k0l: number
  readonly #k1h: number
  readonly #k1l: number
  readonly #words = new Int32Array(6)

  constructor(key: Uint8Array) {
    if (key.length !== SPAN_KEY_HASH_KEY_BYTES) throw new RangeError(`a span key hash key has ${SPAN_KEY_HASH_KEY_BYTES} bytes, got ${key.length}`)
    const view = new DataView(key.buffer, key.byteOffset, key.length)
    // Little-endian 64-bit words, as SipHash reads its key.
    this.#k0l = view.getInt32(0, true)
    this.#k0h = view.getInt32(4, true)
    this.#k1l = view.getInt32(8, true)
    this.#k1h = view.getInt32(12, true)
  }

  /**
   * Hashes one span's ids into `high` / `low`. Returns false (and hashes nothing) when
   * an id is not hex of its length: the decoders never pass such ids on.
   */
  hash(traceId: string, spanId: string): boolean {
    const words = this.#words
    if (spanId.length !== 16) return false
    if (traceId.length === 32) {
      words[0] = hexWord(traceId, 0)
      words[1] = hexWord(traceId, 8)
      words[2] = hexWord(traceId, 16)
      words[3] = hexWord(traceId, 24)
    } else if (traceId.length === 0) {
      words.fill(0, 0, 4)
    } else {
      return false
    }
    words[4] = hexWord(spanId, 0)
    words[5] = hexWord(spanId, 8)
    if (invalidDigits !== 0) {
      invalidDigits = 0
      return false
    }
    this.#sipHash13(words)
    return true
  }

  /**
   * SipHash-1-3 of three 64-bit message words given as (high, low) pairs: the trace
   * id's two halves and the span id. That is SipHash of the 24 bytes holding those
   * words little-endian; the final block carries the length, 24, in its top byte.
   */
  #sipHash13(words: Int32Array): void {
    let v0h = this.#k0h ^ 0x736f6d65
    let v0l = this.#k0l ^ 0x70736575
    let v1h = this.#k1h ^ 0x646f7261
    let v1l = this.#k1l ^ 0x6e646f6d
    let v2h = this.#k0h ^ 0x6c796765
    let v2l = this.#k0l ^ 0x6e657261
    let v3h = this.#k1h ^ 0x74656462
    let v3l = this.#k1l ^ 0x79746573
    let sum = 0
    let carry = 0
    let rotatedHigh = 0
    // Four compression blocks (three message words and the length block), one SipRound
    // each, then three finalization rounds: seven rounds, inlined as one loop.
    for (let round = 0; round < 7; round++) {
      let messageHigh = 0
      let messageLow = 0
      if (round < 3) {
        messageHigh = words[round * 2]!
        messageLow = words[round * 2 + 1]!
      } else if (round === 3) {
        messageHigh = 24 << 24
      }
      if (round < 4) {
        v3h ^= messageHigh
        v3l ^= messageLow
      }
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      sum = (v0l >>> 0) + (v1l >>> 0)
      carry = sum > 0xffffffff ? 1 : 0
      v0l = sum | 0
      v0h = (v0h + v1h + carry) | 0
      rotatedHigh = (v1h << 13) | (v1l >>> 19)
      v1l = (v1l << 13) | (v1h >>> 19)
      v1h = rotatedHigh ^ v0h
      v1l ^= v0l
      rotatedHigh = v0h
      v0h = v0l
      v0l = rotatedHigh
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      sum = (v2l >>> 0) + (v3l >>> 0)
      carry = sum > 0xffffffff ? 1 : 0
      v2l = sum | 0
      v2h = (v2h + v3h + carry) | 0
      rotatedHigh = (v3h << 16) | (v3l >>> 16)
      v3l = (v3l << 16) | (v3h >>> 16)
      v3h = rotatedHigh ^ v2h
      v3l ^= v2l
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      sum = (v0l >>> 0) + (v3l >>> 0)
      carry = sum > 0xffffffff ? 1 : 0
      v0l = sum | 0
      v0h = (v0h + v3h + carry) | 0
      rotatedHigh = (v3h << 21) | (v3l >>> 11)
      v3l = (v3l << 21) | (v3h >>> 11)
      v3h = rotatedHigh ^ v0h
      v3l ^= v0l
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      sum = (v2l >>> 0) + (v1l >>> 0)
      carry = sum > 0xffffffff ? 1 : 0
      v2l = sum | 0
      v2h = (v2h + v1h + carry) | 0
      rotatedHigh = (v1h << 17) | (v1l >>> 15)
      v1l = (v1l << 17) | (v1h >>> 15)
      v1h = rotatedHigh ^ v2h
      v1l ^= v2l
      rotatedHigh = v2h
      v2h = v2l
      v2l = rotatedHigh
      if (round < 3) {
        v0h ^= messageHigh
        v0l ^= messageLow
      } else if (round === 3) {
        v0h ^= messageHigh
        v2l ^= 0xff
      }
    }
    this.high = (v0h ^ v1h ^ v2h ^ v3h) >>> 0
    this.low = (v0l ^ v1l ^ v2l ^ v3l) >>> 0
  }
}

/** Set (to a negative number) by hexWord when a character is not a hex digit; the caller clears it. */
let invalidDigits = 0

/**
 * Eight hex digits of `text` from `start` as a 32-bit word; a character that is not a hex
 * digit sets invalidDigits. Unrolled: a loop with a branch per digit took twice as long.
 */
function hexWord(text: string, start: number): number {
  const d0 = hexValues[text.charCodeAt(start)]!
  const d1 = hexValues[text.charCodeAt(start + 1)]!
  const d2 = hexValues[text.charCodeAt(start + 2)]!
  const d3 = hexValues[text.charCodeAt(start + 3)]!
  const d4 = hexValues[text.charCodeAt(start + 4)]!
  const d5 = hexValues[text.charCodeAt(start + 5)]!
  const d6 = hexValues[text.charCodeAt(start + 6)]!
  const d7 = hexValues[text.charCodeAt(start + 7)]!
  invalidDigits |= (d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) & ~15
  return (d0 << 28) | (d1 << 24) | (d2 << 20) | (d3 << 16) | (d4 << 12) | (d5 << 8) | (d6 << 4) | d7
}
