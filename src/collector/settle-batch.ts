import type { InsertFailure } from '../store/classify-insert-failure.js'

/** A run of a batch's rows (lines), and the insert that carries it. */
export interface RowRange {
  /** First row, counted from 0 in the batch. */
  start: number
  /** One past the last row. */
  end: number
  /** The rows' bytes: a view into the batch, each row ending in a newline. */
  body: Buffer
  /** The insert deduplication token of exactly these rows of exactly this batch. */
  token: string
}

/**
 * What the caller's insert made of one range: written, `stopped` (the flusher is
 * stopping; the batch stays on disk), or, only when the insert was asked to report a
 * refusal, the store's refusal of the rows as invalid. The caller retries transient
 * failures itself, so none reach the settlement.
 */
export type RangeOutcome = 'written' | 'stopped' | InsertFailure

/**
 * What the check made of one range: `valid` (the collector's own schema for the table
 * takes every row), `stopped`, or the failure that makes a row of it invalid.
 */
export type CheckOutcome = 'valid' | 'stopped' | InsertFailure

export interface RefusedRow {
  /** The row's place in the batch, counted from 0. */
  index: number
  /** The row as queued, without its newline. */
  line: Buffer
  /** Why the check refused it, alone. */
  failure: InsertFailure
}

export interface BatchSettlement {
  writtenRows: number
  /** Rows invalid by themselves, in batch order; empty when the whole batch went in. */
  refused: RefusedRow[]
}

export interface SettleBatchOptions {
  body: Buffer
  /** The batch's own token; the first insert, of the whole batch, uses it unchanged. */
  token: string
  /** Rows of the whole batch, as the queue counted them (the fast path needs no line scan). */
  rows: number
  /**
   * Inserts a range into the table, retrying what may pass. With `refusal: 'report'` a
   * refusal as invalid data resolves as that failure; with `refusal: 'retry'` it is
   * retried like any fault of the store, because `check` found the rows valid.
   */
  insert(range: RowRange, options: { refusal: 'report' | 'retry' }): Promise<RangeOutcome>
  /**
   * Whether the rows are valid by the collector's own schema for the table (parsed and
   * converted as an insert would, nothing written), retrying what may pass.
   */
  check(range: RowRange): Promise<CheckOutcome>
}

/**
 * Write a batch. When the store refuses it as invalid, tell a batch with rows that
 * are invalid by themselves from a store that refuses valid rows (a changed column, a
 * failing materialized view: the store answers both with the same codes): `check`
 * parses the rows against the collector's own schema. If it takes them all, nothing
 * is set aside: the whole batch is retried until the store takes it. Otherwise the
 * rows `check` refuses are found by bisection (each refused range split in two halves
 * by row, left first, until it is one row), each range `check` takes is written, and
 * the refused rows are returned, to be set aside.
 *
 * The splits depend only on the rows and the collector's schema, not on the store's
 * state, so every run over the same batch inserts the same ranges with the same tokens
 * (`rangeDeduplicationToken`). A run that stops or crashes midway leaves the batch on
 * disk; the replay repeats the whole sequence and ClickHouse drops each insert it
 * already has, so no row is written twice. A refused insert writes nothing: a batch is
 * far below the size at which ClickHouse would write a block of it before parsing the
 * rest (`min_insert_block_size_rows`, about a million rows).
 *
 * Resolves undefined when the insert or the check said `stopped`.
 */
export async function settleBatch(options: SettleBatchOptions): Promise<BatchSettlement | undefined> {
  const { body, token, rows, insert, check } = options
  const wholeRange: RowRange = { start: 0, end: rows, body, token }
  const whole = await insert(wholeRange, { refusal: 'report' })
  if (whole === 'stopped') return undefined
  if (whole === 'written') return { writtenRows: rows, refused: [] }
  const wholeCheck = await check(wholeRange)
  if (wholeCheck === 'stopped') return undefined
  if (wholeCheck === 'valid') {
    // Every row is valid: the store is at fault, and the batch waits for it whole.
    const retried = await insert(wholeRange, { refusal: 'retry' })
    return retried === 'written' ? { writtenRows: rows, refused: [] } : undefined
  }
  const lineEnds = findLineEnds(body)
  const lineCount = lineEnds.length
  const lineStart = (index: number): number => (index === 0 ? 0 : (lineEnds[index - 1] ?? 0))
  const settlement: BatchSettlement = { writtenRows: 0, refused: [] }
  if (lineCount === 1) {
    settlement.refused.push({ index: 0, line: withoutNewline(body), failure: wholeCheck })
    return settlement
  }
  // Ranges still to check, the next on top; each refused range pushes its right half, then its left.
  const pending: { start: number; end: number }[] = []
  pushHalves(pending, 0, lineCount)
  while (pending.length > 0) {
    const { start, end } = pending.pop()!
    const range: RowRange = { start, end, body: body.subarray(lineStart(start), lineStart(end)), token: rangeDeduplicationToken(token, start, end) }
    const verdict = await check(range)
    if (verdict === 'stopped') return undefined
    if (verdict === 'valid') {
      if (await insert(range, { refusal: 'retry' }) !== 'written') return undefined
      settlement.writtenRows += end - start
    } else if (end - start === 1) {
      settlement.refused.push({ index: start, line: withoutNewline(range.body), failure: verdict })
    } else {
      pushHalves(pending, start, end)
    }
  }
  return settlement
}

/**
 * The token of rows `[start, end)` of a batch: fixed by the batch's token and the range,
 * so a replay of the same split is deduplicated, and never equal to another batch's or
 * range's token (the queue's tokens hold no `.`).
 */
export function rangeDeduplicationToken(batchToken: string, start: number, end: number): string {
  return `${batchToken}.rows-${start}-${end}`
}

function pushHalves(pending: { start: number; end: number }[], start: number, end: number): void {
  const middle = start + Math.ceil((end - start) / 2)
  pending.push({ start: middle, end }, { start, end: middle })
}

/**
 * Offsets one past each row's newline (a last row without one ends at the body's end).
 * Queued rows are JSON text, in which a newline only ever ends a row.
 */
function findLineEnds(body: Buffer): Uint32Array {
  let count = 0
  for (let at = body.indexOf(0x0a); at !== -1; at = body.indexOf(0x0a, at + 1)) count += 1
  const unterminated = body.length > 0 && body[body.length - 1] !== 0x0a
  const ends = new Uint32Array(count + (unterminated ? 1 : 0))
  let index = 0
  for (let at = body.indexOf(0x0a); at !== -1; at = body.indexOf(0x0a, at + 1)) ends[index++] = at + 1
  if (unterminated) ends[index] = body.length
  return ends
}

function withoutNewline(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0a ? line.subarray(0, line.length - 1) : line
}
