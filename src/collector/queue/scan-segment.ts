import { open } from 'node:fs/promises'
import { readSegmentRecords } from './read-segment-records.js'

export interface SegmentScan {
  records: number
  rows: number
  /** Bytes from the start that are whole, intact records. */
  validBytes: number
  fileBytes: number
}

/** Counts the intact records of a segment file and finds where its valid prefix ends. */
export async function scanSegment(path: string): Promise<SegmentScan> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    let records = 0
    let rows = 0
    const validBytes = await readSegmentRecords({
      file,
      fileBytes: size,
      onRecord: (record) => {
        records += 1
        rows += record.rows
      },
    })
    return { records, rows, validBytes, fileBytes: size }
  } finally {
    await file.close()
  }
}
