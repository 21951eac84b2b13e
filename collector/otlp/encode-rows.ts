import type { SpanRow } from './span-row.js'

/**
 * Rows as ClickHouse `JSONEachRow`: one JSON object per line, each line ending in `\n`.
 * V8's native JSON.stringify does the escaping in C++; rows all share one shape (see
 * newSpanRow), which keeps it on its fast path. Measured on a shared 2-vCPU machine: about
 * 5 µs per 1.3 KB row to stringify, 10 000 rows to one string in 130-190 ms.
 */
export function encodeRowsJsonEachRow(rows: readonly SpanRow[]): string {
  const lines = new Array<string>(rows.length)
  for (let index = 0; index < rows.length; index++) lines[index] = JSON.stringify(rows[index])
  return rows.length === 0 ? '' : lines.join('\n') + '\n'
}
