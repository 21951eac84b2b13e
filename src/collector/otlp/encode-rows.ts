import { EncodedRowsTooLargeError } from './encoded-rows-too-large-error.js'
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

/**
 * Rows as ClickHouse `JSONCompactEachRow` in `spanRowColumns` order: one JSON array
 * per line. What the collector queues and inserts: about half the encoding time and
 * two thirds of the bytes of `JSONEachRow` (no key repeated per row), and ClickHouse
 * parses it without matching names.
 *
 * Written line by line into one Buffer rather than joined into a string first: a
 * request's joined text (about 570 KB for 1,000 spans) lands in V8's large-object
 * space, which only a full GC frees, so under a burst the heap grew with the number
 * of requests between two full GCs. The lines themselves die young. It is also about
 * half the time of `Buffer.from(lines.join('\n'))`, which copies every byte twice.
 * `allocate` gives the buffer (uninitialized, exactly the size asked): the collector
 * passes a RowBufferPool's, since writing into fresh memory costs a page fault per 4 KiB.
 *
 * Each line is put together from its parts (see encodeRowLine), not stringified as one
 * array: the parts its rows share are encoded once, and the fields that never need
 * escaping are not scanned. Byte for byte what `JSON.stringify` of the row's array gives.
 *
 * `maxBytes` bounds the encoding while it is built: rows of one resource share one
 * ResourceAttributes object, so a small request can ask for a huge encoding (a 1 MiB
 * attribute × 5,000 spans is 5 GB of lines). Past it this throws EncodedRowsTooLargeError
 * holding at most maxBytes plus one line. The check is one comparison per row, on the
 * byte count the buffer needs anyway.
 */
export function encodeRowsJsonCompact(rows: readonly SpanRow[], options: EncodeRowsOptions = {}): Buffer {
  const allocate = options.allocate ?? allocateUnpooled
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  const lines = new Array<string>(rows.length)
  const shared = new SharedColumns()
  let bytes = 0
  for (let index = 0; index < rows.length; index++) {
    const line = encodeRowLine(rows[index]!, shared)
    lines[index] = line
    bytes += Buffer.byteLength(line, 'utf8') + 1
    if (bytes > maxBytes) throw new EncodedRowsTooLargeError({ rows: rows.length, rowsEncoded: index + 1, bytesEncoded: bytes, maxBytes })
  }
  const encoded = allocate(bytes)
  if (encoded.length !== bytes) throw new Error(`row encoding was given ${encoded.length} bytes for ${bytes}`)
  let offset = 0
  for (const line of lines) {
    offset += encoded.write(line, offset, 'utf8')
    encoded[offset++] = 0x0a
  }
  // allocUnsafe: a sizing mistake must fail here, never send uninitialized memory on.
  if (offset !== bytes) throw new Error(`row encoding wrote ${offset} of ${bytes} bytes`)
  return encoded
}

/**
 * The JSON of columns 8 to 11 (ServiceName, ResourceAttributes, ScopeName, ScopeVersion)
 * of the last row encoded, with the commas around it. Rows of one scope come one after
 * another and share these values (one ResourceAttributes object per resource), so they
 * are stringified once per scope instead of once per span: about a fifth of a row's
 * encoding time went to the resource's attributes alone.
 */
class SharedColumns {
  serviceName: string | undefined = undefined
  resourceAttributes: SpanRow['ResourceAttributes'] | undefined = undefined
  scopeName: string | undefined = undefined
  scopeVersion: string | undefined = undefined
  json = ''

  of(row: SpanRow): string {
    if (row.ResourceAttributes !== this.resourceAttributes || row.ServiceName !== this.serviceName || row.ScopeName !== this.scopeName || row.ScopeVersion !== this.scopeVersion) {
      this.serviceName = row.ServiceName
      this.resourceAttributes = row.ResourceAttributes
      this.scopeName = row.ScopeName
      this.scopeVersion = row.ScopeVersion
      this.json = `,${JSON.stringify(row.ServiceName)},${JSON.stringify(row.ResourceAttributes)},${JSON.stringify(row.ScopeName)},${JSON.stringify(row.ScopeVersion)},`
    }
    return this.json
  }
}

/**
 * One row's JSON array. Timestamp, Duration (digits and a dot), the ids (lowercase hex
 * or '') and SpanKind and StatusCode (words of span-row-words.ts) are written between
 * quotes as they are: every decoder builds them from those alphabets alone
 * (timestampText, durationText, hexId, hexIdFromText, spanKindWord, statusCodeWord), so
 * they never need escaping. Everything else goes through JSON.stringify; empty events
 * and links, the common case, are constant text.
 */
function encodeRowLine(row: SpanRow, shared: SharedColumns): string {
  const stringify = JSON.stringify
  const events = row['Events.Timestamp'].length + row['Events.Name'].length + row['Events.Attributes'].length === 0
    ? '[],[],[]'
    : `${stringify(row['Events.Timestamp'])},${stringify(row['Events.Name'])},${stringify(row['Events.Attributes'])}`
  const links = row['Links.TraceId'].length + row['Links.SpanId'].length + row['Links.TraceState'].length + row['Links.Attributes'].length === 0
    ? '[],[],[],[]'
    : `${stringify(row['Links.TraceId'])},${stringify(row['Links.SpanId'])},${stringify(row['Links.TraceState'])},${stringify(row['Links.Attributes'])}`
  return `["${row.Timestamp}","${row.TraceId}","${row.SpanId}","${row.ParentSpanId}",${stringify(row.TraceState)},${stringify(row.SpanName)},"${row.SpanKind}"${shared.of(row)}`
    + `${stringify(row.SpanAttributes)},"${row.Duration}","${row.StatusCode}",${stringify(row.StatusMessage)},${events},${links}]`
}

export interface EncodeRowsOptions {
  /** The buffer for the rows, uninitialized and exactly `bytes` long (default Buffer.allocUnsafe). */
  allocate?: (bytes: number) => Buffer
  /** Most bytes the rows may take encoded; past it EncodedRowsTooLargeError (default no limit). */
  maxBytes?: number
}

function allocateUnpooled(bytes: number): Buffer {
  return Buffer.allocUnsafe(bytes)
}
