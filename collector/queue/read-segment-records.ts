import type { FileHandle } from 'node:fs/promises'
import { RECORD_HEADER_BYTES, decodeRecordHeader, recordChecksum } from './record-frame.js'

/** Reads are made in windows of this size, so a scan costs one read per MiB, not two per record. */
const READ_WINDOW_BYTES = 1 << 20

export interface SegmentRecord {
  /** Where the record's header starts in the file. */
  offset: number
  rows: number
  /** A view into the read window: valid only during the callback, copy it to keep it. */
  payload: Buffer
}

/** Where `readSegmentRecords` reads: by default a 1 MiB window it refills. */
export interface ReadInto {
  /**
   * Read the whole file into this buffer (at least the file's size), in one read rather
   * than one per MiB, and hand out views into it, at their file offsets.
   */
  buffer: Buffer
}

/**
 * Walks the records of a segment file from its start, calling `onRecord` for
 * each intact one, and stops at the first byte that does not begin an intact
 * record (bad magic, a length past the end, a CRC mismatch). Returns that
 * offset: `fileBytes` when every record is intact. Memory stays at one window
 * (or one record, if a record is larger).
 */
export async function readSegmentRecords(
  file: FileHandle,
  fileBytes: number,
  onRecord: (record: SegmentRecord) => void,
  into?: ReadInto,
): Promise<number> {
  if (into !== undefined && into.buffer.length < fileBytes) throw new RangeError(`a ${into.buffer.length}-byte buffer cannot hold the ${fileBytes}-byte file`)
  const window = new ReadWindow(file, fileBytes, into?.buffer)
  let offset = 0
  while (fileBytes - offset >= RECORD_HEADER_BYTES) {
    const header = decodeRecordHeader(await window.view(offset, RECORD_HEADER_BYTES))
    if (header === undefined) break
    const recordBytes = RECORD_HEADER_BYTES + header.payloadBytes
    if (recordBytes > fileBytes - offset) break
    const record = await window.view(offset, recordBytes)
    if (record.length < recordBytes) break
    const payload = record.subarray(RECORD_HEADER_BYTES)
    if (recordChecksum(record, payload) !== header.checksum) break
    onRecord({ offset, rows: header.rows, payload })
    offset += recordBytes
  }
  return offset
}

/** A reusable buffer over a span of the file; `view` refills it when a span falls outside. */
class ReadWindow {
  readonly #file: FileHandle
  readonly #fileBytes: number
  readonly #windowBytes: number
  #buffer: Buffer
  #start = 0
  #length = 0

  constructor(file: FileHandle, fileBytes: number, buffer?: Buffer) {
    this.#file = file
    this.#fileBytes = fileBytes
    this.#buffer = buffer ?? Buffer.alloc(0)
    this.#windowBytes = buffer === undefined ? READ_WINDOW_BYTES : fileBytes
  }

  /** The bytes at `offset`; shorter than `length` only if the file shrank since it was measured. */
  async view(offset: number, length: number): Promise<Buffer> {
    if (offset < this.#start || offset + length > this.#start + this.#length) await this.#fill(offset, length)
    const start = offset - this.#start
    return this.#buffer.subarray(start, start + length)
  }

  async #fill(offset: number, length: number): Promise<void> {
    const wanted = Math.min(Math.max(length, this.#windowBytes), this.#fileBytes - offset)
    if (this.#buffer.length < wanted) this.#buffer = Buffer.allocUnsafe(wanted)
    let filled = 0
    while (filled < wanted) {
      const { bytesRead } = await this.#file.read(this.#buffer, filled, wanted - filled, offset + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    this.#start = offset
    this.#length = filled
  }
}
