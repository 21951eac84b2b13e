import { open, unlink, type FileHandle } from 'node:fs/promises'
import { endianness } from 'node:os'
import { join } from 'node:path'
import { diag } from '@opentelemetry/api'
import { errnoCode } from '../queue/queue-errors.js'
import { syncDirectory } from '../../shared/sync-directory.js'
import { SeenSpansJournalError } from './seen-spans-errors.js'
import { SEEN_SPANS_HEADER, SEEN_SPANS_RECORD_BYTES, listSeenSpansFiles, seenSpansFileName } from './seen-spans-file.js'

/** Records gathered before one write: 48 KiB, so memory stays small whatever the rate. */
const RECORDS_PER_WRITE = 4096
const bigEndian = endianness() === 'BE'

/**
 * Appends the keys of accepted spans to the journal files (format in seen-spans-file.ts).
 * Appends are gathered in memory and written in 48 KiB chunks without waiting; `sync`
 * writes what is gathered and fdatasyncs, which the flusher awaits before it deletes a
 * queue segment: until then the segment itself remembers its spans across a crash.
 *
 * One file per generation of the set (`startFile`), deleted when the generation leaves
 * the window (`removeFile`): the journal holds at most what the set holds, so it needs
 * no other compaction. File operations run one at a time, in order. The first failure
 * makes every later `sync` reject until `rewrite` has written the whole set afresh.
 */
export class SeenSpansJournal {
  readonly dir: string
  #seq: number
  #file: string
  #handle: FileHandle | undefined
  #position = 0
  #dataUnsynced = false
  #directoryUnsynced = false
  #records = new Uint32Array(RECORDS_PER_WRITE * 3)
  #buffered = 0
  /** Chunks handed to the write chain, written in order by the next write operation. */
  #pendingChunks: Buffer[] = []
  #chain: Promise<void> = Promise.resolve()
  #failure: SeenSpansJournalError | undefined

  /** Writes go to `seen-<seq>.keys`, created on the first write; it must not exist yet. */
  constructor(options: { dir: string; seq: number }) {
    this.dir = options.dir
    this.#seq = options.seq
    this.#file = join(options.dir, seenSpansFileName(options.seq))
  }

  /** The seq of the file appends go to. */
  get seq(): number {
    return this.#seq
  }

  get failed(): boolean {
    return this.#failure !== undefined
  }

  /** Records one accepted span's key; not durable until `sync`. */
  append(high: number, low: number, acceptedAtSeconds: number): void {
    const records = this.#records
    const at = this.#buffered * 3
    records[at] = high
    records[at + 1] = low
    records[at + 2] = acceptedAtSeconds
    this.#buffered += 1
    if (this.#buffered === RECORDS_PER_WRITE) this.#writeGathered()
  }

  /** Later appends go to a new file `seen-<seq>.keys`; the current one is written, fdatasynced and closed first. */
  startFile(seq: number): void {
    this.#writeGathered()
    void this.#enqueue(async () => {
      await this.#closeCurrent()
      this.#seq = seq
      this.#file = join(this.dir, seenSpansFileName(seq))
    }).catch(() => undefined)
  }

  /** Deletes a file whose spans left the window. A failure is only logged: the next start finds the file expired and removes it. */
  removeFile(seq: number): void {
    const file = join(this.dir, seenSpansFileName(seq))
    void this.#enqueue(async () => {
      if (file === this.#file) await this.#closeCurrent()
      await unlink(file).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') diag.warn(`switchyard collector: cannot delete ${file}, removed at the next start: ${String(error)}`)
      })
    }).catch(() => undefined)
  }

  /** Resolves once every append so far is on disk (data and file name); rejects with the first failure since the journal was last whole. */
  sync(): Promise<void> {
    this.#writeGathered()
    return this.#enqueue(async () => {
      if (this.#failure !== undefined) throw this.#failure
      await this.#syncCurrent()
    })
  }

  /**
   * Repairs the journal after a failure: writes every record `fill` gives (the whole
   * set, read when this runs) to a new file `seen-<seq>.keys`, fdatasyncs it and its
   * directory, then deletes every other journal file. Appends then go to the new file.
   */
  rewrite(seq: number, fill: (append: (high: number, low: number, acceptedAtSeconds: number) => void) => void): Promise<void> {
    return this.#enqueue(async () => {
      await this.#handle?.close().catch(() => undefined)
      this.#handle = undefined
      // What was gathered is in the set, so in what fill gives.
      this.#buffered = 0
      this.#pendingChunks = []
      this.#failure = undefined
      this.#seq = seq
      this.#file = join(this.dir, seenSpansFileName(seq))
      fill((high, low, acceptedAtSeconds) => this.append(high, low, acceptedAtSeconds))
      this.#writeGatheredNow()
      await this.#writeChunks()
      await this.#syncCurrent()
      if (this.#failure !== undefined) throw this.#failure
      for (const { file } of await listSeenSpansFiles(this.dir)) {
        if (file !== this.#file) await unlink(file).catch(() => undefined)
      }
    })
  }

  /** Writes and fdatasyncs what is gathered and closes the file; rejects if the journal is not whole. */
  async close(): Promise<void> {
    await this.sync().finally(() => this.#enqueue(() => this.#closeCurrent()).catch(() => undefined))
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(operation)
    this.#chain = run.catch(() => undefined)
    return run
  }

  /** Hands the gathered records to the write chain. */
  #writeGathered(): void {
    if (this.#buffered === 0) return
    this.#writeGatheredNow()
    void this.#enqueue(() => this.#writeChunks()).catch(() => undefined)
  }

  #writeGatheredNow(): void {
    if (this.#buffered === 0) return
    const chunk = Buffer.from(this.#records.buffer, 0, this.#buffered * SEEN_SPANS_RECORD_BYTES)
    this.#pendingChunks.push(bigEndian ? chunk.swap32() : chunk)
    this.#records = new Uint32Array(RECORDS_PER_WRITE * 3)
    this.#buffered = 0
  }

  async #writeChunks(): Promise<void> {
    const chunks = this.#pendingChunks
    this.#pendingChunks = []
    // After a failure the records are dropped: rewrite puts the whole set back.
    if (this.#failure !== undefined) return
    for (const chunk of chunks) {
      try {
        if (this.#handle === undefined) await this.#create()
        await this.#writeAt(chunk)
      } catch (cause) {
        this.#failure ??= cause instanceof SeenSpansJournalError ? cause : new SeenSpansJournalError({ file: this.#file, operation: 'write', cause })
        return
      }
    }
  }

  async #create(): Promise<void> {
    try {
      this.#handle = await open(this.#file, 'wx')
    } catch (cause) {
      throw new SeenSpansJournalError({ file: this.#file, operation: 'open', cause })
    }
    this.#position = 0
    this.#directoryUnsynced = true
    await this.#writeAt(SEEN_SPANS_HEADER)
  }

  async #writeAt(bytes: Buffer): Promise<void> {
    const handle = this.#handle
    if (handle === undefined) return
    let written = 0
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, this.#position)
      if (bytesWritten <= 0) throw new SeenSpansJournalError({ file: this.#file, operation: 'write', cause: new Error(`wrote nothing at offset ${this.#position}`) })
      written += bytesWritten
      this.#position += bytesWritten
    }
    this.#dataUnsynced = true
  }

  async #syncCurrent(): Promise<void> {
    try {
      if (this.#handle !== undefined && this.#dataUnsynced) {
        await this.#handle.datasync()
        this.#dataUnsynced = false
      }
    } catch (cause) {
      this.#failure ??= new SeenSpansJournalError({ file: this.#file, operation: 'fsync', cause })
      throw this.#failure
    }
    if (!this.#directoryUnsynced) return
    try {
      await syncDirectory(this.dir)
      this.#directoryUnsynced = false
    } catch (cause) {
      this.#failure ??= new SeenSpansJournalError({ file: this.dir, operation: 'fsync-directory', cause })
      throw this.#failure
    }
  }

  async #closeCurrent(): Promise<void> {
    if (this.#handle === undefined) return
    try {
      await this.#syncCurrent()
    } catch {
      // Kept in #failure: the next sync reports it.
    }
    await this.#handle.close().catch(() => undefined)
    this.#handle = undefined
  }
}
