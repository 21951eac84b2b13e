import { open } from 'node:fs/promises'
import { SegmentCorruptError } from './queue-errors.js'
import { readSegmentRecords } from './read-segment-records.js'

/**
 * The payloads of a sealed segment concatenated in append order, read from
 * its file and checked record by record: a segment that no longer matches
 * what was sealed fails with SegmentCorruptError instead of returning
 * different bytes under the same deduplication token.
 */
export async function readSegmentPayloads(segment: { file: string; bytes: number; payloadBytes: number }): Promise<Buffer> {
  const file = await open(segment.file, 'r')
  try {
    const { size } = await file.stat()
    const corrupt = (offset: number) => new SegmentCorruptError({ file: segment.file, offset, expectedBytes: segment.bytes })
    if (size !== segment.bytes) throw corrupt(Math.min(size, segment.bytes))
    const payloads = Buffer.allocUnsafe(segment.payloadBytes)
    let copied = 0
    const validBytes = await readSegmentRecords(file, size, (record) => {
      if (copied + record.payload.length > payloads.length) throw corrupt(record.offset)
      copied += record.payload.copy(payloads, copied)
    })
    if (validBytes !== segment.bytes || copied !== payloads.length) throw corrupt(validBytes)
    return payloads
  } finally {
    await file.close()
  }
}
