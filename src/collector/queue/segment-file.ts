import { open } from 'node:fs/promises'

/**
 * The few operations the queue performs on a segment file it writes. A
 * `FileHandle` satisfies it; tests wrap one to inject disk faults.
 */
export interface SegmentFile {
  writev(buffers: Buffer[], position: number): Promise<{ bytesWritten: number }>
  datasync(): Promise<void>
  truncate(length: number): Promise<void>
  close(): Promise<void>
}

export type SegmentFileOpener = (path: string) => Promise<SegmentFile>

/** Creates a new segment file; fails if one already exists, so a seq is never written twice. */
export const openSegmentFile: SegmentFileOpener = (path) => open(path, 'wx')
