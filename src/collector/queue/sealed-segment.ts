import { RECORD_HEADER_BYTES } from './record-frame.js'
import { readSegmentPayloads } from './read-segment-payloads.js'

/**
 * A segment whose contents are fixed: the unit the flusher inserts, as one
 * ClickHouse insert deduplicated by `token`, and then acks.
 */
export interface SealedSegment {
  readonly seq: number
  /** `${queueId}-${seq}`: the same for this segment across restarts, never reused for other data. */
  readonly token: string
  readonly file: string
  readonly records: number
  readonly rows: number
  /** Bytes on disk, record headers included: what counts against `maxBytes`. */
  readonly bytes: number
  /** Bytes `read()` returns. */
  readonly payloadBytes: number
  /** The payloads in append order, read from the file (not kept in memory). */
  read(): Promise<Buffer>
}

export function sealedSegment(fields: {
  queueId: string
  seq: number
  file: string
  records: number
  rows: number
  bytes: number
}): SealedSegment {
  const payloadBytes = fields.bytes - fields.records * RECORD_HEADER_BYTES
  return Object.freeze({
    seq: fields.seq,
    token: `${fields.queueId}-${fields.seq}`,
    file: fields.file,
    records: fields.records,
    rows: fields.rows,
    bytes: fields.bytes,
    payloadBytes,
    read: () => readSegmentPayloads({ file: fields.file, bytes: fields.bytes, payloadBytes }),
  })
}
