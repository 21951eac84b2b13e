/** What `SegmentQueue.stats()` reports: the queue's size now and its counters since open. */
export interface SegmentQueueStats {
  /** Segments holding records: sealed and not acked, plus those still being written. */
  segments: number
  /** All segment bytes, headers included, on disk or about to be: what `maxBytes` bounds. */
  bytes: number
  rows: number
  /** Bytes of appends waiting to be written: what the pending bound (one segment) bounds. */
  pendingBytes: number
  /** Rows in the open segment. */
  openRows: number
  /** Appends that resolved, and their payload bytes. */
  appendedRecords: number
  appendedBytes: number
  fsyncs: number
  /** Appends rejected with QueueFullError. */
  rejectedFull: number
  /** Appends rejected because a file operation failed. */
  rejectedWrite: number
  /** Segments a previous run left, sealed at open. */
  recoveredSegments: number
  /** Bytes cut at open from torn or corrupt segment tails. */
  truncatedBytes: number
}

export type SegmentQueueCounters = Omit<SegmentQueueStats, 'segments' | 'bytes' | 'rows' | 'pendingBytes' | 'openRows'>
