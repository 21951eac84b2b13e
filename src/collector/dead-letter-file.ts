import { isUtf8 } from 'node:buffer'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { syncDirectory } from '../shared/sync-directory.js'
import type { RefusedRow } from './settle-batch.js'

export interface DeadLetterFileOptions {
  /** The file; the collector keeps it in its queue directory as `dead-letters.jsonl`. */
  file: string
  /** Bytes the file may reach; a row that would pass it is dropped and counted instead. */
  maxBytes: number
  /**
   * Tokens of the batches still in the queue. Their dead letters may already be in the
   * file (the collector stopped after writing them and before deleting the batch): the
   * last batch's are cut off and written again whole by the replay, an earlier one's are
   * kept and not written again.
   */
  pendingBatches: ReadonlySet<string>
}

/** What one `record` did with a batch's refused rows. */
export interface DeadLetterOutcome {
  written: number
  /** Past `maxBytes`, or lost to a failed write: counted, not in the file. */
  dropped: number
  /** Already in the file from a run that stopped before the batch was deleted. */
  alreadyRecorded: number
}

/** The name of the dead-letter file in the queue directory. */
export const DEAD_LETTER_FILE_NAME = 'dead-letters.jsonl'

/** A line starts with its batch's token, so opening the file reads no more of a line than this. */
const batchPrefix = /^\{"batch":"([A-Za-z0-9_.-]{1,200})"/
const prefixBytes = 256
const readChunkBytes = 1024 * 1024

/**
 * Rows invalid by themselves (ClickHouse refused them, and so did the collector's check
 * table, which has `otel_traces`' columns and no views), set aside so the rest of their
 * batch could be written: one JSON object per line, appended and fdatasynced before the batch is
 * deleted from the queue, bounded by `maxBytes`.
 *
 * A line: `{"batch":"<queue token>","index":<row in the batch>,"time":"<ISO time set aside>",
 * "errorCode":41,"errorName":"CANNOT_PARSE_DATETIME","row":"<the row as queued>"}`, where
 * `row` is the JSONCompactEachRow array the collector would have inserted, as text (a row
 * that is not UTF-8, which the collector's encoder never writes, is `rowBase64` instead).
 * Its values are in `otel_traces` column order: Timestamp, TraceId, SpanId, ParentSpanId,
 * TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion,
 * SpanAttributes, Duration, StatusCode, StatusMessage, Events.Timestamp, Events.Name,
 * Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes.
 *
 * Inspect: `jq -r '.errorName' dead-letters.jsonl | sort | uniq -c` counts the causes;
 * `jq -r '.row' dead-letters.jsonl | head` shows the rows (with content capture on they
 * hold prompts: treat the file like the store). Replay, once the rows (or the schema)
 * are fixed: `jq -r '.row' dead-letters.jsonl > rows.jsonl`, edit, then
 * `clickhouse client --query "INSERT INTO otel_traces (Timestamp, TraceId, SpanId,
 * ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName,
 * ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage, \`Events.Timestamp\`,
 * \`Events.Name\`, \`Events.Attributes\`, \`Links.TraceId\`, \`Links.SpanId\`,
 * \`Links.TraceState\`, \`Links.Attributes\`) FORMAT JSONCompactEachRow" < rows.jsonl`.
 * To make room, move the file away (or delete it) while the collector runs: the next
 * refused row starts a new one, and the cap counts from its size.
 */
export class DeadLetterFile {
  readonly file: string
  readonly #maxBytes: number
  readonly #alreadyRecorded: Set<string>

  private constructor(options: { file: string; maxBytes: number; alreadyRecorded: Set<string> }) {
    this.file = options.file
    this.#maxBytes = options.maxBytes
    this.#alreadyRecorded = options.alreadyRecorded
  }

  /** The file as it is, for when `open` could not read it. */
  static unchecked(options: { file: string; maxBytes: number }): DeadLetterFile {
    return new DeadLetterFile({ ...options, alreadyRecorded: new Set() })
  }

  /** Opens the file if it exists, cutting a torn last line and the last batch's lines if it is still queued. */
  static async open(options: DeadLetterFileOptions): Promise<DeadLetterFile> {
    const alreadyRecorded = new Set<string>()
    let handle: FileHandle
    try {
      handle = await open(options.file, 'r+')
    } catch (error) {
      if (isMissingFile(error)) return new DeadLetterFile({ file: options.file, maxBytes: options.maxBytes, alreadyRecorded })
      throw error
    }
    try {
      const scan = await scanLines(handle)
      let keep = scan.completeBytes
      if (scan.lastBatch !== undefined && options.pendingBatches.has(scan.lastBatch.token)) keep = scan.lastBatch.start
      for (const token of scan.batches) if (options.pendingBatches.has(token)) alreadyRecorded.add(token)
      if (scan.lastBatch !== undefined && keep === scan.lastBatch.start) alreadyRecorded.delete(scan.lastBatch.token)
      if (keep < scan.fileBytes) {
        await handle.truncate(keep)
        await handle.datasync()
      }
    } finally {
      await handle.close()
    }
    return new DeadLetterFile({ file: options.file, maxBytes: options.maxBytes, alreadyRecorded })
  }

  /**
   * Appends a batch's refused rows, as many as fit under the cap, in one write, and
   * fdatasyncs it: once this resolves the batch may be deleted. Never rejects: a failed
   * write (a full or failing disk) counts the rows as dropped and is logged by the
   * caller, because refused rows must not hold up the spans behind them.
   */
  async record(options: { batch: string; rows: readonly RefusedRow[]; time: Date }): Promise<DeadLetterOutcome & { error?: unknown }> {
    const { batch, rows, time } = options
    if (rows.length === 0) return { written: 0, dropped: 0, alreadyRecorded: 0 }
    if (this.#alreadyRecorded.has(batch)) return { written: 0, dropped: 0, alreadyRecorded: rows.length }
    let size: number
    let created = false
    try {
      size = (await stat(this.file)).size
    } catch (error) {
      if (!isMissingFile(error)) return { written: 0, dropped: rows.length, alreadyRecorded: 0, error }
      size = 0
      created = true
    }
    const lines: string[] = []
    let bytes = 0
    for (const row of rows) {
      const line = `${JSON.stringify(deadLetterEntry(batch, row, time))}\n`
      const lineBytes = Buffer.byteLength(line)
      if (size + bytes + lineBytes > this.#maxBytes) continue
      lines.push(line)
      bytes += lineBytes
    }
    const dropped = rows.length - lines.length
    if (lines.length === 0) return { written: 0, dropped, alreadyRecorded: 0 }
    let handle: FileHandle | undefined
    try {
      handle = await open(this.file, 'a')
      await handle.writeFile(lines.join(''))
      await handle.datasync()
      await handle.close()
      handle = undefined
      if (created) await syncDirectory(dirname(this.file))
      return { written: lines.length, dropped, alreadyRecorded: 0 }
    } catch (error) {
      // Cut a partly written batch off again, so the next batch's first line does not continue it.
      await handle?.truncate(size).catch(() => undefined)
      await handle?.close().catch(() => undefined)
      return { written: 0, dropped: rows.length, alreadyRecorded: 0, error }
    }
  }
}

interface DeadLetterEntry {
  batch: string
  index: number
  time: string
  errorCode: number | null
  errorName: string
  row?: string
  rowBase64?: string
}

function deadLetterEntry(batch: string, row: RefusedRow, time: Date): DeadLetterEntry {
  // `batch` first: opening the file reads each line's token from its first bytes.
  const entry: DeadLetterEntry = { batch, index: row.index, time: time.toISOString(), errorCode: row.failure.code ?? null, errorName: row.failure.name }
  if (isUtf8(row.line)) entry.row = row.line.toString('utf8')
  else entry.rowBase64 = row.line.toString('base64')
  return entry
}

interface LineScan {
  fileBytes: number
  /** Bytes up to the end of the last complete line. */
  completeBytes: number
  /** Every batch token found at the start of a complete line. */
  batches: Set<string>
  /** The batch of the last complete line, and where its run of lines begins. */
  lastBatch: { token: string; start: number } | undefined
}

/** Reads the file in chunks, keeping only each line's first bytes: lines can be megabytes long. */
async function scanLines(handle: FileHandle): Promise<LineScan> {
  const { size } = await handle.stat()
  const chunk = Buffer.allocUnsafe(Math.min(readChunkBytes, Math.max(size, 1)))
  const batches = new Set<string>()
  let lastBatch: LineScan['lastBatch']
  let lineStart = 0
  let head = ''
  let position = 0
  while (position < size) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position)
    if (bytesRead === 0) break
    let from = 0
    while (from < bytesRead) {
      const newline = chunk.indexOf(0x0a, from)
      const until = newline === -1 || newline >= bytesRead ? bytesRead : newline
      if (head.length < prefixBytes) head += chunk.toString('latin1', from, Math.min(until, from + prefixBytes - head.length))
      if (until === bytesRead) break
      const token = batchPrefix.exec(head)?.[1]
      if (token === undefined) lastBatch = undefined
      else {
        batches.add(token)
        if (lastBatch?.token !== token) lastBatch = { token, start: lineStart }
      }
      lineStart = position + newline + 1
      head = ''
      from = newline + 1
    }
    position += bytesRead
  }
  return { fileBytes: size, completeBytes: lineStart, batches, lastBatch }
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT'
}
