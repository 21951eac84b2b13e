// Query parameters reach the HTTP interface as `param_<name>` strings in
// ClickHouse's escaped text form (`it\'s`, `['a\tb']`), and the server parses
// those bytes as the placeholder's type. chdb's binder takes a JS value and
// escapes a string once more with TSV rules (`\` becomes `\\`, TAB becomes
// `\t`, `'` is left alone) before the engine parses it. Handing it the wire
// string unchanged would double every backslash, so the value is decoded first,
// into the text that chdb's escaping turns back into the same meaning.

const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g
const WRAPPER = /^(?:Nullable|LowCardinality)\s*\((.*)\)$/s
const COMPOSITE = /^(?:Array|Map|Tuple|Nested)\s*\(/

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  e: 0x1b,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '0': 0x00,
}

/**
 * The declared type of each `{name:Type}` placeholder in a statement, keyed by
 * name. Text that only looks like a placeholder (inside a literal) is harmless:
 * callers look up only the names they were given values for.
 */
export function placeholderTypes(sql: string): Map<string, string> {
  const types = new Map<string, string>()
  for (const match of sql.matchAll(PLACEHOLDER)) {
    const [, name, type] = match
    if (name !== undefined && type !== undefined && !types.has(name)) types.set(name, type)
  }
  return types
}

/**
 * The value to give chdb's `queryBindAsync` for a parameter that arrived over
 * HTTP as `wire`, bound to a placeholder of `type` (undefined when the
 * statement does not declare it). `\N` alone is SQL NULL. Scalars are fully
 * unescaped; composite values (Array, Map, Tuple) keep their quoting, and a
 * `\'` inside a quoted element becomes the SQL-style `''`, the one spelling of
 * a quote that survives chdb's re-escaping.
 */
export function chdbParamValue(wire: string, type: string | undefined): string | null {
  if (wire === '\\N') return null
  return isComposite(type) ? decodeComposite(wire) : decodeEscaped(wire)
}

function isComposite(type: string | undefined): boolean {
  let current = type?.trim()
  while (current !== undefined) {
    if (COMPOSITE.test(current)) return true
    current = WRAPPER.exec(current)?.[1]?.trim()
  }
  return false
}

function decodeEscaped(text: string): string {
  const bytes: number[] = []
  let index = 0
  while (index < text.length) {
    index = readChar(text, index, bytes)
  }
  return Buffer.from(bytes).toString('utf8')
}

function decodeComposite(text: string): string {
  const bytes: number[] = []
  let inQuote = false
  let index = 0
  while (index < text.length) {
    const char = text[index]
    const next = text[index + 1]
    if (char === "'") {
      if (inQuote && next === "'") {
        bytes.push(0x27, 0x27)
        index += 2
        continue
      }
      inQuote = !inQuote
      bytes.push(0x27)
      index += 1
    } else if (inQuote && char === '\\' && next === "'") {
      bytes.push(0x27, 0x27)
      index += 2
    } else {
      index = readChar(text, index, bytes)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** Appends the UTF-8 bytes of the (possibly escaped) character at `index`; returns the next index. */
function readChar(text: string, index: number, bytes: number[]): number {
  if (text[index] !== '\\' || index + 1 >= text.length) return pushCodePoint(text, index, bytes)
  const escaped = text[index + 1] ?? ''
  const simple = SIMPLE_ESCAPES[escaped]
  if (simple !== undefined) {
    bytes.push(simple)
    return index + 2
  }
  const hex = escaped === 'x' ? /^[0-9A-Fa-f]{2}/.exec(text.slice(index + 2)) : null
  if (hex) {
    bytes.push(Number.parseInt(hex[0], 16))
    return index + 4
  }
  // Any other escaped character stands for itself: \\ \' \" \N ...
  return pushCodePoint(text, index + 1, bytes)
}

function pushCodePoint(text: string, index: number, bytes: number[]): number {
  const codePoint = text.codePointAt(index) ?? 0
  bytes.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'))
  return index + (codePoint > 0xffff ? 2 : 1)
}
