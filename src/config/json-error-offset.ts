/**
 * Where the first syntax error of a JSON text is, as a character offset, or undefined
 * when the text is valid. V8's JSON.parse gives a position only for some errors, and
 * for others quotes the text around the error instead, which may be a secret of the
 * file; this finds the position without quoting anything. It keeps its own stack
 * rather than recursing, so deep nesting cannot overflow the call stack, and every
 * pass of its loop moves forward or stops.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const stack: Array<'object' | 'array'> = []
  let index = 0
  let expected: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'separator' = 'value'
  for (;;) {
    index = skipWhitespace(text, index)
    const char = text[index]
    if (expected === 'separator') {
      const top = stack.at(-1)
      if (top === undefined) return index < text.length ? index : undefined
      if (char === ',') expected = top === 'object' ? 'key' : 'value'
      else if (char === (top === 'object' ? '}' : ']')) stack.pop()
      else return index
      index += 1
    } else if (expected === 'key' || expected === 'keyOrClose') {
      if (char === '}' && expected === 'keyOrClose') {
        stack.pop()
        expected = 'separator'
        index += 1
        continue
      }
      const end = char === '"' ? stringEnd(text, index) : { error: index }
      if ('error' in end) return end.error
      index = skipWhitespace(text, end.end)
      if (text[index] !== ':') return index
      index += 1
      expected = 'value'
    } else if (char === ']' && expected === 'valueOrClose') {
      stack.pop()
      expected = 'separator'
      index += 1
    } else if (char === '{' || char === '[') {
      stack.push(char === '{' ? 'object' : 'array')
      expected = char === '{' ? 'keyOrClose' : 'valueOrClose'
      index += 1
    } else {
      const end = char === '"' ? stringEnd(text, index) : scalarEnd(text, index)
      if ('error' in end) return end.error
      index = end.end
      expected = 'separator'
    }
  }
}

function skipWhitespace(text: string, from: number): number {
  let index = from
  while (index < text.length && (text[index] === ' ' || text[index] === '\t' || text[index] === '\n' || text[index] === '\r')) index += 1
  return index
}

const scalarPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y

function scalarEnd(text: string, from: number): { end: number } | { error: number } {
  scalarPattern.lastIndex = from
  return scalarPattern.test(text) ? { end: scalarPattern.lastIndex } : { error: from }
}

/** The offset after a string's closing quote; `from` is its opening quote. */
function stringEnd(text: string, from: number): { end: number } | { error: number } {
  let index = from + 1
  while (index < text.length) {
    const char = text[index] ?? ''
    if (char === '"') return { end: index + 1 }
    if (char < ' ') return { error: index }
    if (char === '\\') {
      const escape = text[index + 1] ?? ''
      if (escape === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) return { error: index }
        index += 6
      } else if ('"\\/bfnrt'.includes(escape) && escape !== '') {
        index += 2
      } else {
        return { error: index }
      }
    } else {
      index += 1
    }
  }
  return { error: index }
}
