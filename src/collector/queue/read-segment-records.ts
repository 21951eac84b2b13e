import type { FileHandle } from 'node:fs/promises'
import { RECORD_HEADER_BYTES, decodeRecordHeader, recordChecksum } from './record-frame.js'

/** Reads are made in windows of this size, so a scan costs one read per MiB, not two per record. */
const READ_WINDOW_BYTES = 1 << 20

export interface SegmentRecord {
  /** Where the record's header starts in the file. */
  offset: number
  rows: number
  /** A view into the read window: valid only during the callback (with `into`, a view of that buffer), copy it to keep it. */
  payload: Buffer
}

export interface ReadSegmentRecordsOptions {
  file: FileHandle
  /** The file's size when it was measured: records are looked for up to here. */
  fileBytes: number
  onRecord: (record: SegmentRecord) => void
  /**
   * Read the whole file into this buffer (at least `fileBytes` long), each byte at its
   * file offset, rather than through a 1 MiB window refilled once per MiB; the
   * records' payloads are then views of this buffer, valid after the call too.
   */
  into?: Buffer
}

/**
 * Walks the records of a segment file from its start, calling `onRecord` for
 * each intact one, and stops at the first byte that does not begin an intact
 * record (bad magic, a length past the end, a CRC mismatch, a file shorter than
 * `fileBytes`). Returns that offset: `fileBytes` when every record is intact.
 * Without `into`, memory stays at one window (or one record, if a record is larger).
 */
export async function readSegmentRecords({ file, fileBytes, onRecord, into }: ReadSegmentRecordsOptions): Promise<number> {
  if (into !== undefined && into.length < fileBytes) throw new RangeError(`a ${into.length}-byte buffer cannot hold the ${fileBytes}-byte file`)
  const source: RecordSource = into === undefined ? new ReadWindow(file, fileBytes) : new WholeFile(file, fileBytes, into)
  let offset = 0
  while (fileBytes - offset >= RECORD_HEADER_BYTES) {
    const header = decodeRecordHeader(await source.view(offset, RECORD_HEADER_BYTES))
    if (header === undefined) break
    const recordBytes = RECORD_HEADER_BYTES + header.payloadBytes
    if (recordBytes > fileBytes - offset) break
    const record = await source.view(offset, recordBytes)
    if (record.length < recordBytes) break
    const payload = record.subarray(RECORD_HEADER_BYTES)
    if (recordChecksum(record, payload) !== header.checksum) break
    onRecord({ offset, rows: header.rows, payload })
    offset += recordBytes
  }
  return offset
}

interface RecordSource {
  /** The bytes at `offset`: shorter than `length` only where the file ends sooner than measured. */
  view(offset: number, length: number): Promise<Buffer>
}

/** A reusable buffer over a span of the file; `view` refills it when a span falls outside. */
class ReadWindow implements RecordSource {
  readonly #file: FileHandle
  readonly #fileBytes: number
  #buffer = Buffer.alloc(0)
  #start = 0
  #length = 0

  constructor(file: FileHandle, fileBytes: number) {
    this.#file = file
    this.#fileBytes = fileBytes
  }

  async view(offset: number, length: number): Promise<Buffer> {
    if (offset < this.#start || offset + length > this.#start + this.#length) await this.#fill(offset, length)
    const start = offset - this.#start
    return this.#buffer.subarray(start, Math.min(start + length, this.#length))
  }

  async #fill(offset: number, length: number): Promise<void> {
    const wanted = Math.min(Math.max(length, READ_WINDOW_BYTES), this.#fileBytes - offset)
    if (this.#buffer.length < wanted) this.#buffer = Buffer.allocUnsafe(wanted)
    this.#start = offset
    this.#length = await readFully(this.#file, this.#buffer, 0, wanted, offset)
  }
}

/**
 * The whole file in the caller's buffer, byte for byte at its file offset, read in one
 * go on the first view. A view past what the file held is cut short (never refilled
 * elsewhere in the buffer), so bytes the caller has since moved within it stay put.
 */
class WholeFile implements RecordSource {
  readonly #file: FileHandle
  readonly #fileBytes: number
  readonly #buffer: Buffer
  #length: number | undefined

  constructor(file: FileHandle, fileBytes: number, buffer: Buffer) {
    this.#file = file
    this.#fileBytes = fileBytes
    this.#buffer = buffer
  }

  async view(offset: number, length: number): Promise<Buffer> {
    this.#length ??= await readFully(this.#file, this.#buffer, 0, this.#fileBytes, 0)
    return this.#buffer.subarray(offset, Math.min(offset + length, this.#length))
  }
}

/** Reads up to `length` bytes of the file at `position` into `buffer` at `at`; fewer only where the file ends. */
async function readFully(file: FileHandle, buffer: Buffer, at: number, length: number, position: number): Promise<number> {
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, at + filled, length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}
