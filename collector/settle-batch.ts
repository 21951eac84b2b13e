import type { InsertFailure } from '../src/store/classify-insert-failure.js'

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
 * What the caller's insert made of one range: written, refused as invalid (the
 * failure), or `stopped` (the flusher is stopping; the batch stays on disk). The
 * caller retries transient failures itself, so none reach the bisection.
 */
export type RangeOutcome = 'written' | 'stopped' | InsertFailure

export interface RefusedRow {
  /** The row's place in the batch, counted from 0. */
  index: number
  /** The row as queued, without its newline. */
  line: Buffer
  /** Why the store refused it, alone in its own insert. */
  failure: InsertFailure
}

export interface BatchSettlement {
  writtenRows: number
  /** Rows the store refused one by one, in batch order; empty when the whole batch went in. */
  refused: RefusedRow[]
}

export interface SettleBatchOptions {
  body: Buffer
  /** The batch's own token; the first insert, of the whole batch, uses it unchanged. */
  token: string
  /** Rows of the whole batch, as the queue counted them (the fast path needs no line scan). */
  rows: number
  insert(range: RowRange): Promise<RangeOutcome>
}

/**
 * Write a batch, and when the store refuses it as invalid, find the rows it refuses
 * by bisection: each refused range is split in two halves by row, left first, until
 * a refused range is one row. Everything else is written.
 *
 * The splits depend only on which ranges hold a refused row, which is a property of
 * the data, so every run over the same batch inserts the same ranges with the same
 * tokens (`rangeDeduplicationToken`). A run that stops or crashes midway leaves the
 * batch on disk; the replay repeats the whole sequence and ClickHouse drops each
 * insert it already has, so no row is written twice. A refused insert writes nothing:
 * a batch is far below the size at which ClickHouse would write a block of it before
 * parsing the rest (`min_insert_block_size_rows`, about a million rows).
 *
 * Resolves undefined when the insert said `stopped`.
 */
export async function settleBatch(options: SettleBatchOptions): Promise<BatchSettlement | undefined> {
  const { body, token, rows, insert } = options
  const whole = await insert({ start: 0, end: rows, body, token })
  if (whole === 'stopped') return undefined
  if (whole === 'written') return { writtenRows: rows, refused: [] }
  const lineEnds = findLineEnds(body)
  const lineCount = lineEnds.length
  const lineStart = (index: number): number => (index === 0 ? 0 : (lineEnds[index - 1] ?? 0))
  const settlement: BatchSettlement = { writtenRows: 0, refused: [] }
  if (lineCount === 1) {
    settlement.refused.push({ index: 0, line: withoutNewline(body), failure: whole })
    return settlement
  }
  // Ranges still to try, the next on top; each refused range pushes its right half, then its left.
  const pending: { start: number; end: number }[] = []
  pushHalves(pending, 0, lineCount)
  while (pending.length > 0) {
    const { start, end } = pending.pop()!
    const rangeBody = body.subarray(lineStart(start), lineStart(end))
    const outcome = await insert({ start, end, body: rangeBody, token: rangeDeduplicationToken(token, start, end) })
    if (outcome === 'stopped') return undefined
    if (outcome === 'written') {
      settlement.writtenRows += end - start
    } else if (end - start === 1) {
      settlement.refused.push({ index: start, line: withoutNewline(rangeBody), failure: outcome })
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
