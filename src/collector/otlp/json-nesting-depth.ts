const quote = 0x22
const backslash = 0x5c
const openBrace = 0x7b
const openBracket = 0x5b
const closeBrace = 0x7d
const closeBracket = 0x5d

/**
 * The position of the first `{` or `[` that opens a container more than `maxDepth`
 * deep in a JSON text, or -1 when none does. Brackets inside strings do not count.
 *
 * It runs before JSON.parse, which takes any depth: 16 MiB of `[[[[...` parsed in
 * 3.3 s into 8 million arrays (780 MB) on the collector's machine, all inside an
 * unknown field the decoder then ignores. No OTLP request nests that deep. One pass,
 * no allocation; string contents are skipped with indexOf, so a realistic request
 * (mostly quoted keys and values) costs little more than a memchr.
 */
export function jsonTooDeepAt(text: string, maxDepth: number): number {
  const length = text.length
  let depth = 0
  let position = 0
  while (position < length) {
    const char = text.charCodeAt(position)
    if (char === quote) {
      position = stringEnd(text, position)
      continue
    }
    if (char === openBrace || char === openBracket) {
      if (++depth > maxDepth) return position
    } else if (char === closeBrace || char === closeBracket) {
      depth--
    }
    position++
  }
  return -1
}

/** Just past the closing quote of the string opening at `start` (the text's end when unterminated: JSON.parse says so). */
function stringEnd(text: string, start: number): number {
  let search = start + 1
  for (;;) {
    const closing = text.indexOf('"', search)
    if (closing === -1) return text.length
    // A quote after an odd run of backslashes is escaped.
    let backslashes = 0
    while (text.charCodeAt(closing - 1 - backslashes) === backslash) backslashes++
    if (backslashes % 2 === 0) return closing + 1
    search = closing + 1
  }
}
