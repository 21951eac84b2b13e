/*
 * Telemetry repeats itself: the same attribute keys, model names, providers and span names
 * arrive in every span of every request. Decoding each occurrence anew allocates a fresh
 * string that V8 must then look up again when it becomes an object key, and in profiles of
 * the protobuf decoder that garbage was half the time. This direct-mapped cache hands back
 * the string decoded last time for the same short ASCII bytes. It is bounded (a fixed slot
 * table of strings of at most 64 bytes, about 1.5 MiB at most) and shared across requests, so
 * small exporter batches benefit as much as large ones.
 */

const slotBits = 13
const slotMask = (1 << slotBits) - 1
const maxCachedLength = 64
const slotStrings: (string | undefined)[] = new Array<string | undefined>(1 << slotBits).fill(undefined)
// The bytes of each cached string, compared instead of the string: a string that has become
// an object key is a V8 ThinString, slow to read character by character.
const slotLengths = new Uint8Array(1 << slotBits)
const slotBytes = new Uint8Array((1 << slotBits) * maxCachedLength)

/**
 * The text of `bytes[start, end)` when it is short ASCII, from the cache or decoded (as
 * latin1, identical for ASCII) and cached; undefined when the bytes are not short ASCII.
 */
export function cachedAscii(bytes: Uint8Array, text: Buffer, start: number, end: number): string | undefined {
  const length = end - start
  if (length > maxCachedLength) return undefined
  // FNV-1a over the bytes, which also proves them ASCII.
  let hash = 0x811c9dc5
  for (let index = start; index < end; index++) {
    const byte = bytes[index]!
    if (byte >= 0x80) return undefined
    hash = Math.imul(hash ^ byte, 0x01000193)
  }
  const slot = (hash ^ (hash >>> slotBits)) & slotMask
  const base = slot * maxCachedLength
  if (slotLengths[slot] === length) {
    const cached = slotStrings[slot]
    let index = 0
    while (index < length && slotBytes[base + index] === bytes[start + index]) index++
    if (index === length && cached !== undefined) return cached
  }
  const decoded = text.toString('latin1', start, end)
  slotStrings[slot] = decoded
  slotLengths[slot] = length
  slotBytes.set(bytes.subarray(start, end), base)
  return decoded
}
