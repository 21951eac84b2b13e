/** A deterministic source of numbers: the same seed gives the same sequence on every machine. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [min, max]. */
  integer(min: number, max: number): number
  /** Standard normal (mean 0, deviation 1). */
  normal(): number
}

/**
 * A SplitMix32 generator: a 32-bit state advanced by a fixed odd increment and
 * scrambled by multiply-xorshift rounds. Small, fast and well distributed, which
 * is all a simulation needs (it is not for cryptography).
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 16), 0x85ebca6b)
    value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35)
    value ^= value >>> 16
    return (value >>> 0) / 0x1_0000_0000
  }
  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (Math.max(min, max) - min + 1)),
    normal: () => {
      // Box-Muller; 1 - next() is in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()))
      return radius * Math.cos(2 * Math.PI * next())
    },
  }
}

/** FNV-1a over the UTF-16 code units of a text: a stable 32-bit seed for a string. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  }
  return hash >>> 0
}

/** Combines two seeds into one, so that (seed, n) streams differ for every n. */
export function mixSeeds(first: number, second: number): number {
  return hashString(`${first >>> 0}:${second >>> 0}`)
}
