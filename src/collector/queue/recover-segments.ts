import { open, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { parseSegmentFileName } from './segment-file-name.js'
import { scanSegment } from './scan-segment.js'
import { sealedSegment, type SealedSegment } from './sealed-segment.js'
import { syncDirectory } from '../../shared/sync-directory.js'

export interface SegmentRecovery {
  /** Every segment found with at least one intact record, oldest first, now sealed. */
  segments: SealedSegment[]
  /** The highest seq of any segment file found (0 when none). */
  highestSeq: number
  /** Bytes cut from torn or corrupt segment tails. */
  truncatedBytes: number
}

/**
 * Brings the segments a previous run left in `dir` to a clean, sealed state:
 * each file is cut back to its last intact record (what a crash mid-write or
 * a corrupt tail leaves after it was never acknowledged), files with no
 * intact record are removed, and the rest are offered oldest first.
 */
export async function recoverSegments(options: { dir: string; queueId: string }): Promise<SegmentRecovery> {
  const found = (await readdir(options.dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => ({ name: entry.name, seq: parseSegmentFileName(entry.name) }))
    .filter((entry): entry is { name: string; seq: number } => entry.seq !== undefined)
    .sort((left, right) => left.seq - right.seq)
  const segments: SealedSegment[] = []
  let truncatedBytes = 0
  let removed = false
  for (const { name, seq } of found) {
    const file = join(options.dir, name)
    const scan = await scanSegment(file)
    if (scan.records === 0) {
      await unlink(file)
      truncatedBytes += scan.fileBytes
      removed = true
      continue
    }
    if (scan.validBytes < scan.fileBytes) {
      await truncateDurably(file, scan.validBytes)
      truncatedBytes += scan.fileBytes - scan.validBytes
    }
    segments.push(sealedSegment({ queueId: options.queueId, seq, file, records: scan.records, rows: scan.rows, bytes: scan.validBytes }))
  }
  if (removed) await syncDirectory(options.dir)
  return { segments, highestSeq: found.at(-1)?.seq ?? 0, truncatedBytes }
}

async function truncateDurably(file: string, length: number): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    await handle.truncate(length)
    await handle.datasync()
  } finally {
    await handle.close()
  }
}
