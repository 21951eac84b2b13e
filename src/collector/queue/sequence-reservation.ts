import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QueueStateError, errnoCode } from './queue-errors.js'
import { writeFileDurably } from '../../shared/write-file-durably.js'

const SEQUENCE_FILE = 'sequence'
/** Seqs reserved per write of the sequence file: one durable rename per this many segments. */
const RESERVATION_BLOCK = 1024

/**
 * The highest segment seq this directory may have used, kept in the
 * `sequence` file. Without it, a restart after every segment was acked and
 * deleted would start again at seq 1 and reuse a deduplication token for new
 * data, which ClickHouse would then silently drop. A seq is reserved
 * durably before its segment file is created; unused reserved seqs are skipped.
 */
export class SequenceReservation {
  readonly file: string
  #reservedThrough: number

  private constructor(file: string, reservedThrough: number) {
    this.file = file
    this.#reservedThrough = reservedThrough
  }

  static async load(dir: string): Promise<SequenceReservation> {
    const file = join(dir, SEQUENCE_FILE)
    try {
      const content = await readFile(file, 'utf8')
      const reservedThrough = Number(content.trim())
      if (!Number.isSafeInteger(reservedThrough) || reservedThrough < 0) {
        throw new QueueStateError({ file, content, expected: 'a non-negative integer' })
      }
      return new SequenceReservation(file, reservedThrough)
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error
      return new SequenceReservation(file, 0)
    }
  }

  /** The highest seq that may already have been used. */
  get reservedThrough(): number {
    return this.#reservedThrough
  }

  /** Makes sure `seq` is durably reserved before a file for it exists. */
  async reserve(seq: number): Promise<void> {
    if (seq <= this.#reservedThrough) return
    const reservedThrough = seq + RESERVATION_BLOCK - 1
    await writeFileDurably(this.file, `${reservedThrough}\n`)
    this.#reservedThrough = reservedThrough
  }
}
