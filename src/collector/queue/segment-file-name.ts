/**
 * Segment files are named `segment-<seq>.wal` with the seq zero-padded to 16
 * digits (enough for any safe integer), so a plain sort of the names is a sort
 * by seq.
 */

const SEGMENT_FILE_NAME = /^segment-(\d{16})\.wal$/
const SEQ_DIGITS = 16

export function segmentFileName(seq: number): string {
  return `segment-${seq.toString().padStart(SEQ_DIGITS, '0')}.wal`
}

/** The seq a segment file name carries, or undefined for any other file in the directory. */
export function parseSegmentFileName(name: string): number | undefined {
  const digits = SEGMENT_FILE_NAME.exec(name)?.[1]
  if (digits === undefined) return undefined
  const seq = Number(digits)
  return Number.isSafeInteger(seq) ? seq : undefined
}
