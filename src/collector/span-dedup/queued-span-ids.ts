const QUOTE = 0x22
const NEWLINE = 0x0a

/**
 * Calls `visit` with the TraceId and SpanId of every row in a queue payload
 * (JSONCompactEachRow in `spanRowColumns` order: `["<time>","<trace id>","<span id>",...`).
 * The first three values hold only digits, a dot and hex digits, so their quotes are
 * found without parsing the row; a line of any other shape is parsed as JSON, and one
 * that is not JSON is skipped (the flusher reports an unreadable batch on its own).
 */
export function forEachQueuedSpanId(payload: Buffer, visit: (traceId: string, spanId: string) => void): void {
  let lineStart = 0
  while (lineStart < payload.length) {
    let lineEnd = payload.indexOf(NEWLINE, lineStart)
    if (lineEnd < 0) lineEnd = payload.length
    const ids = fastIds(payload, lineStart, lineEnd) ?? parsedIds(payload, lineStart, lineEnd)
    if (ids !== undefined) visit(ids[0], ids[1])
    lineStart = lineEnd + 1
  }
}

function fastIds(payload: Buffer, start: number, end: number): [string, string] | undefined {
  // ["1767225600.000000005","<32 hex>","<16 hex>",
  if (payload[start] !== 0x5b || payload[start + 1] !== QUOTE) return undefined
  const timeEnd = payload.indexOf(QUOTE, start + 2)
  if (timeEnd < 0 || timeEnd > start + 40 || payload[timeEnd + 1] !== 0x2c || payload[timeEnd + 2] !== QUOTE) return undefined
  const traceStart = timeEnd + 3
  const traceEnd = payload.indexOf(QUOTE, traceStart)
  if (traceEnd < 0 || traceEnd - traceStart > 32 || payload[traceEnd + 1] !== 0x2c || payload[traceEnd + 2] !== QUOTE) return undefined
  const spanStart = traceEnd + 3
  const spanEnd = spanStart + 16
  if (spanEnd >= end || payload[spanEnd] !== QUOTE) return undefined
  for (let index = traceStart; index < spanEnd; index++) {
    if (payload[index] === 0x5c) return undefined
  }
  return [payload.toString('latin1', traceStart, traceEnd), payload.toString('latin1', spanStart, spanEnd)]
}

function parsedIds(payload: Buffer, start: number, end: number): [string, string] | undefined {
  try {
    const row: unknown = JSON.parse(payload.toString('utf8', start, end))
    if (Array.isArray(row) && typeof row[1] === 'string' && typeof row[2] === 'string') return [row[1], row[2]]
  } catch {
    // Not a row: skipped.
  }
  return undefined
}
