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

/** `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 unit never takes more than 3 UTF-8 bytes: most strings need no counting.
  if (text.length * 3 <= maxBytes) return text
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text
  const encoded = Buffer.from(text, 'utf8')
  return encoded.toString('utf8', 0, utf8CutEnd(encoded, 0, encoded.length, maxBytes))
}
