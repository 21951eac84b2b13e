import type { SegmentFile } from './segment-file.js'

/** Linux's IOV_MAX: more buffers than this in one writev fail with EINVAL. */
const MAX_BUFFERS_PER_WRITE = 1024

/**
 * Writes every buffer at `position` onwards, in order, with as few `writev`
 * calls as the kernel allows (one for a group commit of up to 512 appends),
 * continuing after short writes.
 */
export async function writeAll(file: SegmentFile, buffers: readonly Buffer[], position: number): Promise<void> {
  const remaining = buffers.filter((buffer) => buffer.length > 0)
  let offset = position
  let index = 0
  while (index < remaining.length) {
    const chunk = remaining.slice(index, index + MAX_BUFFERS_PER_WRITE)
    let { bytesWritten } = await file.writev(chunk, offset)
    if (bytesWritten <= 0) {
      throw Object.assign(new Error(`writev wrote nothing at offset ${offset}`), { code: 'EIO' })
    }
    offset += bytesWritten
    while (bytesWritten > 0) {
      const buffer = remaining[index]
      if (buffer === undefined) break
      if (bytesWritten >= buffer.length) {
        bytesWritten -= buffer.length
        index += 1
      } else {
        remaining[index] = buffer.subarray(bytesWritten)
        bytesWritten = 0
      }
    }
  }
}
