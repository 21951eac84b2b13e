/**
 * Every error the segment queue raises. Each carries the data a caller needs
 * to act (bounds, file, pid, errno code) and a stable `code`; check with the
 * type guards at the bottom, not by message text.
 */
import { SwitchyardError } from '../../errors/switchyard-error.js'

/** The queue cannot take an append now: it would pass a byte bound. Retry after `retryAfterMs`. */
export class QueueFullError extends SwitchyardError {
  declare readonly code: 'queue_full'
  readonly dir: string
  /** `disk`: all segment bytes would pass `maxBytes`; `memory`: bytes waiting to be written would pass the pending bound. */
  readonly resource: 'disk' | 'memory'
  /** The bytes the queue would hold with this append. */
  readonly bytes: number
  readonly maxBytes: number
  readonly retryAfterMs: number

  constructor(details: { dir: string; resource: 'disk' | 'memory'; bytes: number; maxBytes: number; retryAfterMs: number }) {
    const bound = details.resource === 'disk' ? 'maxBytes' : 'pending-write bound'
    super({
      code: 'queue_full',
      message: `segment queue in ${details.dir} is full: ${details.bytes} bytes would exceed its ${bound} of ` +
        `${details.maxBytes}; retry after ${details.retryAfterMs} ms, once sealed segments are acked`,
    })
    this.dir = details.dir
    this.resource = details.resource
    this.bytes = details.bytes
    this.maxBytes = details.maxBytes
    this.retryAfterMs = details.retryAfterMs
  }
}

/** One payload is larger than a whole segment may be; split the request or raise `segmentMaxBytes`. */
export class RecordTooLargeError extends SwitchyardError {
  declare readonly code: 'queue_record_too_large'
  readonly recordBytes: number
  readonly segmentMaxBytes: number

  constructor(details: { recordBytes: number; segmentMaxBytes: number }) {
    super({
      code: 'queue_record_too_large',
      message: `a ${details.recordBytes}-byte record does not fit in a segment of at most ${details.segmentMaxBytes} bytes; ` +
        'split the payload or raise segmentMaxBytes',
    })
    this.recordBytes = details.recordBytes
    this.segmentMaxBytes = details.segmentMaxBytes
  }
}

/** The queue was closed; open it again to append. */
export class QueueClosedError extends SwitchyardError {
  declare readonly code: 'queue_closed'
  readonly dir: string

  constructor(details: { dir: string }) {
    super({ code: 'queue_closed', message: `segment queue in ${details.dir} is closed` })
    this.dir = details.dir
  }
}

/** Another live process (possibly this one) holds the queue directory. */
export class QueueLockedError extends SwitchyardError {
  declare readonly code: 'queue_locked'
  readonly dir: string
  readonly lockFile: string
  readonly pid: number

  constructor(details: { dir: string; lockFile: string; pid: number }) {
    const holder = details.pid === process.pid ? `this process (pid ${details.pid})` : `process ${details.pid}`
    super({
      code: 'queue_locked',
      message: `segment queue directory ${details.dir} is in use by ${holder} (lock file ${details.lockFile}); ` +
        'stop that process, close the other queue, or use another directory',
    })
    this.dir = details.dir
    this.lockFile = details.lockFile
    this.pid = details.pid
  }
}

export type QueueFileOperation = 'create' | 'write' | 'fdatasync' | 'truncate' | 'close' | 'unlink' | 'fsync-directory'

/** A file operation failed; the appends it carried were rejected and were not acknowledged. */
export class QueueWriteError extends SwitchyardError {
  declare readonly code: 'queue_write_failed'
  readonly file: string
  readonly operation: QueueFileOperation
  /** The errno code of the cause (`ENOSPC`, `EIO` ...), when it had one. */
  readonly errno: string | undefined

  constructor(details: { file: string; operation: QueueFileOperation; cause: unknown }) {
    const errno = errnoCode(details.cause)
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause)
    super({ code: 'queue_write_failed', message: `segment queue ${details.operation} of ${details.file} failed: ${reason}`, cause: details.cause })
    this.file = details.file
    this.operation = details.operation
    this.errno = errno
  }
}

/** The queue could not restore a segment to a known state and takes no more appends; restart to recover from disk. */
export class QueueFailedError extends SwitchyardError {
  declare readonly code: 'queue_failed'
  readonly dir: string
  readonly file: string

  constructor(details: { dir: string; cause: QueueWriteError }) {
    super({
      code: 'queue_failed',
      message: `segment queue in ${details.dir} stopped taking appends: ${details.cause.message}; ` +
        'reopen the queue to recover what is on disk',
      cause: details.cause,
    })
    this.dir = details.dir
    this.file = details.cause.file
  }
}

/** A sealed segment no longer holds the records it was sealed with. */
export class SegmentCorruptError extends SwitchyardError {
  declare readonly code: 'queue_segment_corrupt'
  readonly file: string
  /** Where the first invalid byte is. */
  readonly offset: number
  readonly expectedBytes: number

  constructor(details: { file: string; offset: number; expectedBytes: number }) {
    super({
      code: 'queue_segment_corrupt',
      message: `segment ${details.file} is corrupt at byte ${details.offset} (sealed with ${details.expectedBytes} bytes); ` +
        'its records after that point are lost',
    })
    this.file = details.file
    this.offset = details.offset
    this.expectedBytes = details.expectedBytes
  }
}

/** A state file of the queue directory (`queue-id`, `sequence`) holds something the queue did not write. */
export class QueueStateError extends SwitchyardError {
  declare readonly code: 'queue_state_invalid'
  readonly file: string
  readonly content: string

  constructor(details: { file: string; content: string; expected: string }) {
    super({ code: 'queue_state_invalid', message: `${details.file} should hold ${details.expected} but holds ${JSON.stringify(details.content.slice(0, 80))}; fix or remove it` })
    this.file = details.file
    this.content = details.content
  }
}

export function isQueueFullError(error: unknown): error is QueueFullError {
  return QueueFullError.isInstance(error)
}

export function isQueueClosedError(error: unknown): error is QueueClosedError {
  return QueueClosedError.isInstance(error)
}

export function isQueueLockedError(error: unknown): error is QueueLockedError {
  return QueueLockedError.isInstance(error)
}

export function isQueueWriteError(error: unknown): error is QueueWriteError {
  return QueueWriteError.isInstance(error)
}

export function isQueueFailedError(error: unknown): error is QueueFailedError {
  return QueueFailedError.isInstance(error)
}

/** The `code` of a Node system error (`ENOENT`, `ENOSPC` ...), if `error` is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}

/** `error` if it is a QueueWriteError, else one wrapping it as a failed write of `file`. */
export function asWriteError(error: unknown, file: string): QueueWriteError {
  return isQueueWriteError(error) ? error : new QueueWriteError({ file, operation: 'write', cause: error })
}
