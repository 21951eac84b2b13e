import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { QueueWriteError, type QueueFileOperation } from './queue-errors.js'
import type { SealedSegment } from './sealed-segment.js'
import type { SegmentFile } from './segment-file.js'
import { segmentFileName } from './segment-file-name.js'
import { syncDirectory } from '../../shared/sync-directory.js'
import { writeAll } from './write-all.js'

/** One append waiting for its group commit. `payload` is the caller's buffer, not a copy. */
export interface PendingAppend {
  header: Buffer
  payload: Buffer
  rows: number
  resolve(): void
  reject(error: Error): void
}

/**
 * A segment still being written: the open one that takes appends, or one
 * that is sealing (takes no more, waits for its pending writes). Counts are
 * kept twice: assigned (pending included) for the bounds, committed (appends
 * resolved) for what the file is guaranteed to hold. The file methods are
 * called by the queue's single flush loop, never concurrently; each returns
 * the fdatasyncs it made and fails with a QueueWriteError naming the step.
 */
export class WritingSegment {
  readonly seq: number
  readonly file: string
  state: 'open' | 'sealing' = 'open'
  /** Created lazily by the first group commit. */
  handle: SegmentFile | undefined
  pending: PendingAppend[] = []
  bytes = 0
  rows = 0
  records = 0
  committedBytes = 0
  committedRows = 0
  committedRecords = 0
  /** Whether committed bytes were written after the last fdatasync. */
  unsynced = false
  ageTimer: NodeJS.Timeout | undefined
  /** Settles once the segment is sealed: with it, or with undefined when it ended empty. */
  readonly sealed: Promise<SealedSegment | undefined>
  #resolveSealed: (segment: SealedSegment | undefined) => void = () => undefined
  #rejectSealed: (error: Error) => void = () => undefined

  constructor(options: { seq: number; dir: string }) {
    this.seq = options.seq
    this.file = join(options.dir, segmentFileName(options.seq))
    this.sealed = new Promise((resolve, reject) => {
      this.#resolveSealed = resolve
      this.#rejectSealed = reject
    })
    // Nobody has to wait for a seal (the age timer seals on its own); never an unhandled rejection.
    this.sealed.catch(() => undefined)
  }

  /** Bytes assigned to the segment that are not yet written. */
  get uncommittedBytes(): number {
    return this.bytes - this.committedBytes
  }

  assign(append: PendingAppend): void {
    this.pending.push(append)
    this.bytes += append.header.length + append.payload.length
    this.rows += append.rows
    this.records += 1
  }

  /** Marks `batch`, already taken from `pending`, as written. */
  commit(batch: readonly PendingAppend[]): void {
    for (const append of batch) {
      this.committedBytes += append.header.length + append.payload.length
      this.committedRows += append.rows
      this.committedRecords += 1
    }
  }

  /** Forgets every append not committed (the pending ones plus `batch`), so counts fall back to what is written. */
  dropUncommitted(batch: readonly PendingAppend[]): PendingAppend[] {
    const dropped = [...batch, ...this.pending.splice(0)]
    this.bytes = this.committedBytes
    this.rows = this.committedRows
    this.records = this.committedRecords
    return dropped
  }

  /**
   * Writes `batch`, already taken from `pending`, after the committed bytes
   * with one writev, creating the file first if there is none; with `sync`,
   * fdatasyncs it. The caller commits the batch once this resolves.
   */
  async writeBatch(batch: readonly PendingAppend[], options: { sync: boolean; create: () => Promise<SegmentFile> }): Promise<number> {
    let handle = this.handle
    if (handle === undefined) {
      handle = await this.#step('create', options.create)
      this.handle = handle
    }
    const file = handle
    await this.#step('write', () => writeAll(file, batch.flatMap((append) => [append.header, append.payload]), this.committedBytes))
    this.unsynced = true
    if (!options.sync) return 0
    return this.syncFile()
  }

  /** fdatasyncs what was written since the last one. */
  async syncFile(): Promise<number> {
    const handle = this.handle
    if (handle === undefined || !this.unsynced) return 0
    await this.#step('fdatasync', () => handle.datasync())
    this.unsynced = false
    return 1
  }

  /**
   * After a failed write or fdatasync the file may end in a partial record,
   * and its unsynced pages are in an unknown state: cut it back to the
   * committed bytes and make that durable.
   */
  async cutBack(): Promise<number> {
    const handle = this.handle
    if (handle === undefined) return 0
    await this.#step('truncate', async () => {
      await handle.truncate(this.committedBytes)
      await handle.datasync()
    })
    this.unsynced = false
    return 1
  }

  /** Makes the file durable and closes it, or deletes it if nothing was committed to it. */
  async closeFile(dir: string): Promise<number> {
    const handle = this.handle
    if (handle === undefined) return 0
    const fsyncs = await this.syncFile()
    this.handle = undefined
    await this.#step('close', () => handle.close())
    if (this.committedRecords === 0) {
      await this.#step('unlink', () => unlink(this.file))
      await this.#step('fsync-directory', () => syncDirectory(dir))
    }
    return fsyncs
  }

  async #step<Result>(operation: QueueFileOperation, run: () => Promise<Result>): Promise<Result> {
    try {
      return await run()
    } catch (cause) {
      throw new QueueWriteError({ file: this.file, operation, cause })
    }
  }

  settleSealed(segment: SealedSegment | undefined): void {
    this.#resolveSealed(segment)
  }

  failSealed(error: Error): void {
    this.#rejectSealed(error)
  }
}
