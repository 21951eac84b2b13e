import { crc32 } from 'node:zlib'

/**
 * How one appended payload is laid out in a segment file: a 16-byte header
 * (magic, payload length, row count, CRC32) followed by the payload bytes.
 * The CRC covers the header fields as well as the payload, so a torn or
 * bit-flipped row count is caught as surely as a torn payload.
 */

/** `SWQ1`: marks the start of a record, so zeroes or garbage at a torn tail never parse as one. */
export const RECORD_MAGIC = 0x53_57_51_31
export const RECORD_HEADER_BYTES = 16
/** Length and row count are stored as uint32. */
export const RECORD_MAX_FIELD_VALUE = 0xff_ff_ff_ff

const CHECKED_FIELDS_BYTES = 12

export interface RecordHeader {
  payloadBytes: number
  rows: number
  checksum: number
}

/** The header to write in front of `payload`. */
export function encodeRecordHeader(payload: Buffer, rows: number): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES)
  header.writeUInt32BE(RECORD_MAGIC, 0)
  header.writeUInt32BE(payload.length, 4)
  header.writeUInt32BE(rows, 8)
  header.writeUInt32BE(recordChecksum(header, payload), CHECKED_FIELDS_BYTES)
  return header
}

/** The header at the start of `header`, or undefined when its magic is wrong. */
export function decodeRecordHeader(header: Buffer): RecordHeader | undefined {
  if (header.length < RECORD_HEADER_BYTES || header.readUInt32BE(0) !== RECORD_MAGIC) return undefined
  return {
    payloadBytes: header.readUInt32BE(4),
    rows: header.readUInt32BE(8),
    checksum: header.readUInt32BE(CHECKED_FIELDS_BYTES),
  }
}

/** CRC32 of the header's magic, length and rows, continued over the payload. */
export function recordChecksum(header: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(header.subarray(0, CHECKED_FIELDS_BYTES)))
}
