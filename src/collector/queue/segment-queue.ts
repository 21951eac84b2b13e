import { mkdir, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js'
import { admitAppend } from './admit-append.js'
import { QueueClosedError, QueueFailedError, QueueWriteError, asWriteError, errnoCode, isQueueFullError } from './queue-errors.js'
import { readOrCreateQueueId } from './queue-id.js'
import { encodeRecordHeader } from './record-frame.js'
import { recoverSegments, type SegmentRecovery } from './recover-segments.js'
import { sealedSegment, type SealedSegment } from './sealed-segment.js'
import { SealedSegments } from './sealed-segments.js'
import { resolveSegmentQueueOptions, type ResolvedSegmentQueueOptions, type SegmentQueueOptions } from './segment-queue-options.js'
import type { SegmentQueueCounters, SegmentQueueStats } from './segment-queue-stats.js'
import type { SegmentFile } from './segment-file.js'
import { SequenceReservation } from './sequence-reservation.js'
import { syncDirectory } from '../../shared/sync-directory.js'
import { WritingSegment, type PendingAppend } from './writing-segment.js'

export * from './queue-errors.js'
export type { SealedSegment } from './sealed-segment.js'
export type { FsyncPolicy, SegmentQueueOptions } from './segment-queue-options.js'
export type { SegmentQueueStats } from './segment-queue-stats.js'

/**
 * The collector's durable write-ahead queue. Appends go to the open segment
 * file; concurrent appends are group-committed (one writev and one fdatasync
 * for everything that arrived while the previous commit ran). A segment is
 * sealed by rows, bytes, age or `sealOpen`; from then on its contents never
 * change, so its token deduplicates a re-insert after a crash. The flusher
 * takes sealed segments oldest first with `nextSealed`, inserts each once and
 * `ack`s it, which deletes the file. Memory holds only appends not yet written.
 */
export class SegmentQueue {
  readonly dir: string
  readonly queueId: string
  readonly #options: ResolvedSegmentQueueOptions
  readonly #lock: DirectoryLock
  readonly #sequence: SequenceReservation
  readonly #sealed = new SealedSegments()
  /** Segments still being written, oldest first; the last is the open one. */
  readonly #writing: WritingSegment[]
  #open: WritingSegment
  #nextSeq: number
  readonly #acking = new Map<number, Promise<boolean>>()
  #flushing: Promise<void> | undefined
  /** Settles (never rejects) once the last append so far has: appends settle in the order they were made, and its caller gets its error. */
  #lastAppendSettled: Promise<void> = Promise.resolve()
  #syncDue = false
  readonly #fsyncTimer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined
  #failure: QueueFailedError | undefined
  readonly #counters: SegmentQueueCounters

  private constructor(fields: {
    options: ResolvedSegmentQueueOptions
    lock: DirectoryLock
    queueId: string
    sequence: SequenceReservation
    recovery: SegmentRecovery
  }) {
    this.dir = fields.options.dir
    this.queueId = fields.queueId
    this.#options = fields.options
    this.#lock = fields.lock
    this.#sequence = fields.sequence
    for (const segment of fields.recovery.segments) this.#sealed.add(segment)
    this.#counters = {
      appendedRecords: 0,
      appendedBytes: 0,
      fsyncs: 0,
      rejectedFull: 0,
      rejectedWrite: 0,
      recoveredSegments: fields.recovery.segments.length,
      truncatedBytes: fields.recovery.truncatedBytes,
    }
    this.#nextSeq = Math.max(fields.sequence.reservedThrough, fields.recovery.highestSeq) + 1
    this.#open = this.#newSegment()
    this.#writing = [this.#open]
    if (fields.options.fsync === 'interval') {
      this.#fsyncTimer = setInterval(() => {
        this.#syncDue = true
        this.#kick()
      }, fields.options.fsyncIntervalMs).unref()
    }
  }

  /**
   * Opens (creating if needed) the queue in `options.dir`: takes its lock,
   * cuts torn tails off the segments a previous run left, and seals those
   * segments so they are offered first. New appends go to a higher seq.
   */
  static async open(options: SegmentQueueOptions): Promise<SegmentQueue> {
    const resolved = resolveSegmentQueueOptions(options)
    const dir = resolve(resolved.dir)
    await mkdir(dir, { recursive: true })
    const lock = await acquireDirectoryLock(dir)
    try {
      const queueId = await readOrCreateQueueId(dir)
      const sequence = await SequenceReservation.load(dir)
      const recovery = await recoverSegments({ dir, queueId })
      return new SegmentQueue({ options: { ...resolved, dir }, lock, queueId, sequence, recovery })
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  /**
   * Appends one payload holding `rows` rows. Resolves once it is durable per
   * the fsync policy; rejects with QueueFullError rather than pass a bound,
   * with QueueWriteError if the disk failed it. Do not change `payload` until
   * the promise settles: it is written from the caller's buffer.
   */
  async append(payload: Buffer, rows: number): Promise<void> {
    if (this.#closing !== undefined) throw new QueueClosedError({ dir: this.dir })
    if (this.#failure !== undefined) throw this.#failure
    const recordBytes = this.#admit(payload, rows)
    const { segmentMaxBytes, segmentMaxRows } = this.#options
    const open = this.#open
    if (open.records > 0 && (open.bytes + recordBytes > segmentMaxBytes || open.rows + rows > segmentMaxRows)) this.#roll()
    const segment = this.#open
    const header = encodeRecordHeader(payload, rows)
    const written = new Promise<void>((resolve, reject) => segment.assign({ header, payload, rows, resolve, reject }))
    this.#lastAppendSettled = written.then(() => undefined, () => undefined)
    if (segment.records === 1) this.#startAgeTimer(segment)
    if (segment.bytes >= segmentMaxBytes || segment.rows >= segmentMaxRows) this.#roll()
    this.#kick()
    return written
  }

  /** Settles, never rejecting, once every append made so far has (written or failed): after a QueueFullError for memory, appends fit again. */
  appendsSettled(): Promise<void> {
    return this.#lastAppendSettled
  }

  /** The oldest sealed segment not yet handed out, waiting until one is sealed. Each segment is handed out once. */
  nextSealed(signal?: AbortSignal): Promise<SealedSegment> {
    return this.#sealed.take(signal)
  }

  /** Every sealed segment not yet acked, oldest first, whether handed out or not. */
  sealed(): SealedSegment[] {
    return this.#sealed.list()
  }

  /**
   * Deletes a sealed segment once its insert succeeded and frees its bytes.
   * Resolves true, or false if `seq` is not a sealed segment (already acked).
   */
  ack(seq: number): Promise<boolean> {
    if (this.#closing !== undefined) return Promise.reject(new QueueClosedError({ dir: this.dir }))
    const running = this.#acking.get(seq)
    if (running !== undefined) return running
    const segment = this.#sealed.get(seq)
    if (segment === undefined) return Promise.resolve(false)
    const acking = this.#delete(segment).finally(() => this.#acking.delete(seq))
    this.#acking.set(seq, acking)
    return acking
  }

  /** Seals the open segment now, once its pending appends are written; undefined if it is empty. */
  async sealOpen(): Promise<SealedSegment | undefined> {
    if (this.#failure !== undefined) throw this.#failure
    const segment = this.#open
    if (segment.records === 0) return undefined
    this.#roll()
    return segment.sealed
  }

  stats(): SegmentQueueStats {
    let segments = this.#sealed.count
    let rows = this.#sealed.rows
    for (const segment of this.#writing) {
      if (segment.records > 0) segments += 1
      rows += segment.rows
    }
    return { segments, bytes: this.#totalBytes(), rows, pendingBytes: this.#uncommittedBytes(), openRows: this.#open.rows, ...this.#counters }
  }

  /**
   * Seals the open segment, waits for every pending write and its fdatasync,
   * closes files and releases the lock. Appends after this reject with
   * QueueClosedError. Rejects with the QueueFailedError if the queue failed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#fsyncTimer)
    if (this.#failure === undefined && this.#open.records > 0) this.#roll()
    clearTimeout(this.#open.ageTimer)
    while (this.#flushing !== undefined) await this.#flushing
    await Promise.allSettled(this.#acking.values())
    for (const segment of this.#writing) {
      await segment.handle?.close().catch(() => undefined)
      segment.handle = undefined
    }
    this.#sealed.close(new QueueClosedError({ dir: this.dir }))
    await this.#lock.release()
    if (this.#failure !== undefined) throw this.#failure
  }

  #admit(payload: Buffer, rows: number): number {
    try {
      return admitAppend({
        dir: this.dir,
        options: this.#options,
        payloadBytes: payload.length,
        rows,
        totalBytes: this.#totalBytes(),
        uncommittedBytes: this.#uncommittedBytes(),
      })
    } catch (error) {
      if (isQueueFullError(error)) this.#counters.rejectedFull += 1
      throw error
    }
  }

  #newSegment(): WritingSegment {
    const segment = new WritingSegment({ seq: this.#nextSeq, dir: this.dir })
    this.#nextSeq += 1
    return segment
  }

  #totalBytes(): number {
    return this.#writing.reduce((total, segment) => total + segment.bytes, this.#sealed.bytes)
  }

  #uncommittedBytes(): number {
    return this.#writing.reduce((total, segment) => total + segment.uncommittedBytes, 0)
  }

  #startAgeTimer(segment: WritingSegment): void {
    segment.ageTimer = setTimeout(() => {
      if (segment === this.#open && segment.records > 0) this.#roll()
    }, this.#options.segmentMaxAgeMs)
    segment.ageTimer.unref()
  }

  /** Stops the open segment taking appends and opens the next; the flush loop seals it once written. */
  #roll(): void {
    const segment = this.#open
    clearTimeout(segment.ageTimer)
    segment.state = 'sealing'
    this.#open = this.#newSegment()
    this.#writing.push(this.#open)
    this.#kick()
  }

  /** Starts the flush loop unless it runs; it restarts itself if work arrived as it stopped. */
  #kick(): void {
    if (this.#flushing !== undefined) return
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined
      if (this.#hasWork()) this.#kick()
    })
  }

  #hasWork(): boolean {
    const segment = this.#writing[0]
    if (this.#failure !== undefined || segment === undefined) return false
    return segment.pending.length > 0 || segment.state === 'sealing' || (this.#syncDue && segment.unsynced)
  }

  /**
   * The one writer: takes everything pending for the oldest writing segment
   * as one group commit, seals a sealing segment once it is written, and runs
   * the interval fdatasync. Appends arriving during a commit form the next.
   */
  async #flush(): Promise<void> {
    while (this.#hasWork()) {
      const segment = this.#writing[0]
      if (segment === undefined) return
      try {
        if (segment.pending.length > 0) await this.#commitBatch(segment)
        else if (segment.state === 'sealing') await this.#finishSealing(segment)
        else await this.#syncInterval(segment)
      } catch (error) {
        this.#fail(asWriteError(error, segment.file))
      }
    }
  }

  async #commitBatch(segment: WritingSegment): Promise<void> {
    const batch = segment.pending.splice(0)
    try {
      const create = () => this.#createSegmentFile(segment)
      this.#counters.fsyncs += await segment.writeBatch(batch, { sync: this.#options.fsync === 'always', create })
    } catch (error) {
      await this.#abandon(segment, batch, asWriteError(error, segment.file))
      return
    }
    segment.commit(batch)
    for (const append of batch) {
      this.#counters.appendedRecords += 1
      this.#counters.appendedBytes += append.payload.length
      append.resolve()
    }
  }

  /** A new segment file, its seq reserved first and its name durable in the directory before any append in it resolves. */
  async #createSegmentFile(segment: WritingSegment): Promise<SegmentFile> {
    await this.#sequence.reserve(segment.seq)
    const file = await this.#options.openSegmentFile(segment.file)
    try {
      await syncDirectory(this.dir)
    } catch (error) {
      await file.close().catch(() => undefined)
      await unlink(segment.file).catch(() => undefined)
      throw error
    }
    return file
  }

  /**
   * A failed create, write or fdatasync rejects every append meant for the
   * segment that is not committed, cuts the file back to what is, seals it
   * and goes on with a fresh segment. If the file cannot be cut back, the
   * queue fails.
   */
  async #abandon(segment: WritingSegment, batch: readonly PendingAppend[], error: QueueWriteError): Promise<void> {
    const dropped = segment.dropUncommitted(batch)
    this.#counters.rejectedWrite += dropped.length
    try {
      this.#counters.fsyncs += await segment.cutBack()
    } catch (cutError) {
      const failure = this.#fail(asWriteError(cutError, segment.file))
      for (const append of dropped) append.reject(failure)
      return
    }
    for (const append of dropped) append.reject(error)
    if (segment === this.#open) this.#roll()
  }

  async #finishSealing(segment: WritingSegment): Promise<void> {
    try {
      this.#counters.fsyncs += await segment.closeFile(this.dir)
    } catch (error) {
      this.#fail(asWriteError(error, segment.file))
      return
    }
    this.#writing.shift()
    if (segment.committedRecords === 0) {
      segment.settleSealed(undefined)
      return
    }
    const sealed = sealedSegment({
      queueId: this.queueId,
      seq: segment.seq,
      file: segment.file,
      records: segment.committedRecords,
      rows: segment.committedRows,
      bytes: segment.committedBytes,
    })
    this.#sealed.add(sealed)
    segment.settleSealed(sealed)
  }

  async #syncInterval(segment: WritingSegment): Promise<void> {
    this.#syncDue = false
    try {
      this.#counters.fsyncs += await segment.syncFile()
    } catch (error) {
      this.#fail(asWriteError(error, segment.file))
    }
  }

  /** Stops the queue taking appends for good: every pending and future append rejects with the returned error. */
  #fail(cause: QueueWriteError): QueueFailedError {
    const failure = this.#failure ?? new QueueFailedError({ dir: this.dir, cause })
    this.#failure = failure
    clearInterval(this.#fsyncTimer)
    for (const segment of this.#writing) {
      clearTimeout(segment.ageTimer)
      const dropped = segment.dropUncommitted([])
      this.#counters.rejectedWrite += dropped.length
      for (const append of dropped) append.reject(failure)
      segment.failSealed(failure)
    }
    // Sealed segments are intact on disk: the flusher may still drain them.
    return failure
  }

  async #delete(segment: SealedSegment): Promise<boolean> {
    try {
      await unlink(segment.file)
    } catch (cause) {
      if (errnoCode(cause) !== 'ENOENT') throw new QueueWriteError({ file: segment.file, operation: 'unlink', cause })
    }
    this.#sealed.remove(segment.seq)
    try {
      await syncDirectory(this.dir)
    } catch (cause) {
      throw new QueueWriteError({ file: this.dir, operation: 'fsync-directory', cause })
    }
    return true
  }
}
