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
    // The file is read whole into one buffer, and each payload moved down over the record
    // headers before it, in place: one event-loop turn for the read instead of one per
    // MiB (each waited behind the collector's request handling under load), and no second
    // segment-sized buffer to fill. A record is checked before anything moves over it.
    const bytes = Buffer.allocUnsafe(segment.bytes)
    let copied = 0
    const validBytes = await readSegmentRecords({
      file,
      fileBytes: size,
      into: bytes,
      onRecord: (record) => {
        if (copied + record.payload.length > segment.payloadBytes) throw corrupt(record.offset)
        const start = record.payload.byteOffset - bytes.byteOffset
        bytes.copyWithin(copied, start, start + record.payload.length)
        copied += record.payload.length
      },
    })
    if (validBytes !== segment.bytes || copied !== segment.payloadBytes) throw corrupt(validBytes)
    return bytes.subarray(0, copied)
  } finally {
    await file.close()
  }
}
