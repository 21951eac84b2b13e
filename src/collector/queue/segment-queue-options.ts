import { RECORD_HEADER_BYTES, RECORD_MAX_FIELD_VALUE } from './record-frame.js'
import { openSegmentFile, type SegmentFileOpener } from './segment-file.js'

/**
 * When an append's promise resolves: `always` after fdatasync of its group
 * commit; `interval` after the write, with an fdatasync every
 * `fsyncIntervalMs`; `never` after the write. Whatever the policy, a segment
 * is fdatasynced once when it is sealed, so its contents are fixed on disk
 * before its deduplication token is ever used.
 */
export type FsyncPolicy = 'always' | 'interval' | 'never'

export interface SegmentQueueOptions {
  /** The queue's directory; created if missing. */
  dir: string
  /** Bound on all segment bytes on disk (headers included). Default 1 GiB. */
  maxBytes?: number
  /** Seal a segment once it holds this many rows. Default 20 000. */
  segmentMaxRows?: number
  /** Seal a segment once it holds this many bytes; no segment grows past it. Default 16 MiB. */
  segmentMaxBytes?: number
  /** Seal a non-empty segment this long after its first record. Default 1000 ms. */
  segmentMaxAgeMs?: number
  /** Default `always`. */
  fsync?: FsyncPolicy
  /** For `fsync: 'interval'`. Default 100 ms. */
  fsyncIntervalMs?: number
  /** Creates segment files; tests pass a wrapper to inject disk faults. */
  openSegmentFile?: SegmentFileOpener
}

export type ResolvedSegmentQueueOptions = Required<SegmentQueueOptions>

const GIBIBYTE = 1024 ** 3
const MEBIBYTE = 1024 ** 2

/** Fills in defaults and checks bounds; a bad value fails with a RangeError naming the option. */
export function resolveSegmentQueueOptions(options: SegmentQueueOptions): ResolvedSegmentQueueOptions {
  if (options.dir.length === 0) throw new RangeError('SegmentQueue option dir must be a directory path')
  const resolved: ResolvedSegmentQueueOptions = {
    dir: options.dir,
    maxBytes: options.maxBytes ?? GIBIBYTE,
    segmentMaxRows: options.segmentMaxRows ?? 20_000,
    segmentMaxBytes: options.segmentMaxBytes ?? 16 * MEBIBYTE,
    segmentMaxAgeMs: options.segmentMaxAgeMs ?? 1000,
    fsync: options.fsync ?? 'always',
    fsyncIntervalMs: options.fsyncIntervalMs ?? 100,
    openSegmentFile: options.openSegmentFile ?? openSegmentFile,
  }
  checkInteger('maxBytes', resolved.maxBytes, RECORD_HEADER_BYTES + 1, Number.MAX_SAFE_INTEGER)
  checkInteger('segmentMaxBytes', resolved.segmentMaxBytes, RECORD_HEADER_BYTES + 1, Math.min(resolved.maxBytes, RECORD_MAX_FIELD_VALUE))
  checkInteger('segmentMaxRows', resolved.segmentMaxRows, 1, RECORD_MAX_FIELD_VALUE)
  checkInteger('segmentMaxAgeMs', resolved.segmentMaxAgeMs, 1, 2 ** 31 - 1)
  checkInteger('fsyncIntervalMs', resolved.fsyncIntervalMs, 1, 2 ** 31 - 1)
  if (!['always', 'interval', 'never'].includes(resolved.fsync)) {
    throw new RangeError(`SegmentQueue option fsync must be 'always', 'interval' or 'never', got ${String(resolved.fsync)}`)
  }
  return resolved
}

function checkInteger(name: string, value: number, minimum: number, maximum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new RangeError(`SegmentQueue option ${name} must be an integer from ${minimum} to ${maximum}, got ${value}`)
  }
}
