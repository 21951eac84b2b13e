import { QueueFullError, RecordTooLargeError } from './queue-errors.js'
import { RECORD_HEADER_BYTES, RECORD_MAX_FIELD_VALUE } from './record-frame.js'
import type { ResolvedSegmentQueueOptions } from './segment-queue-options.js'

/** The retry hint of a QueueFullError for pending writes: about one group commit. */
const PENDING_RETRY_AFTER_MS = 50
/** The least retry hint of a QueueFullError for disk: a flusher needs at least this to insert and ack. */
const DISK_RETRY_AFTER_MS = 100

/**
 * Checks that an append fits every bound of the queue and returns its record
 * size. Throws RecordTooLargeError for a payload no segment can hold, and
 * QueueFullError when the segment bytes (`totalBytes`) would pass `maxBytes`
 * or the bytes waiting to be written (`uncommittedBytes`) would pass one
 * segment: memory never holds more than a segment's worth of appends.
 */
export function admitAppend(request: {
  dir: string
  options: ResolvedSegmentQueueOptions
  payloadBytes: number
  rows: number
  totalBytes: number
  uncommittedBytes: number
}): number {
  const { dir, options, rows } = request
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > RECORD_MAX_FIELD_VALUE) {
    throw new RangeError(`append rows must be an integer from 0 to ${RECORD_MAX_FIELD_VALUE}, got ${rows}`)
  }
  const recordBytes = RECORD_HEADER_BYTES + request.payloadBytes
  const { maxBytes, segmentMaxBytes } = options
  if (recordBytes > segmentMaxBytes) throw new RecordTooLargeError({ recordBytes, segmentMaxBytes })
  const bytes = request.totalBytes + recordBytes
  if (bytes > maxBytes) {
    const retryAfterMs = Math.max(DISK_RETRY_AFTER_MS, options.segmentMaxAgeMs)
    throw new QueueFullError({ dir, resource: 'disk', bytes, maxBytes, retryAfterMs })
  }
  const pendingBytes = request.uncommittedBytes + recordBytes
  if (pendingBytes > segmentMaxBytes) {
    const retryAfterMs = PENDING_RETRY_AFTER_MS
    throw new QueueFullError({ dir, resource: 'memory', bytes: pendingBytes, maxBytes: segmentMaxBytes, retryAfterMs })
  }
  return recordBytes
}
