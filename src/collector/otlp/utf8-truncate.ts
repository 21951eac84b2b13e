/**
 * Where to end a UTF-8 byte range so it holds at most `maxBytes` bytes without splitting a
 * character: the cut moves back over continuation bytes to the start of the cut character.
 */
export function utf8CutEnd(bytes: Uint8Array, start: number, end: number, maxBytes: number): number {
  if (end - start <= maxBytes) return end
  let cut = start + maxBytes
  while (cut > start && (bytes[cut]! & 0xc0) === 0x80) cut--
  return cut
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary (a lone surrogate
 * counts as the 3 bytes of the U+FFFD it is written as). The work is bounded by `maxBytes`,
 * not by the length of `text`: a 10 MB string costs no more than a short one.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 unit never takes more than 3 UTF-8 bytes: most strings need no counting.
  if (text.length * 3 <= maxBytes) return text
  if (text.length <= maxBytes && Buffer.byteLength(text, 'utf8') <= maxBytes) return text
  // Every unit takes at least one byte, so the first maxBytes units hold the cut; one unit
  // more keeps a surrogate pair across that edge whole (it is 4 bytes, two lone halves 6).
  const encoded = Buffer.from(text.length > maxBytes + 1 ? text.slice(0, maxBytes + 1) : text, 'utf8')
  return encoded.toString('utf8', 0, utf8CutEnd(encoded, 0, encoded.length, maxBytes))
}
