import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SeenSpansStateError } from './seen-spans-errors.js'

/**
 * The journal of seen spans on disk: files named `seen-<seq>.keys` (seq zero-padded
 * to 16 digits, so names sort by seq), each an 8-byte header and then 12-byte records,
 * little-endian: the key's high and low halves and the acceptance time in unix
 * seconds. A crash can leave a torn last record, which readers ignore, and blocks of
 * zeros, whose time (0) is long outside any window.
 */
export const SEEN_SPANS_HEADER = Buffer.from('swseen01', 'latin1')
export const SEEN_SPANS_RECORD_BYTES = 12

const FILE_NAME = /^seen-(\d{16})\.keys$/

export function seenSpansFileName(seq: number): string {
  return `seen-${seq.toString().padStart(16, '0')}.keys`
}

/** The journal files in `dir`, oldest first. */
export async function listSeenSpansFiles(dir: string): Promise<{ seq: number; file: string }[]> {
  const found: { seq: number; file: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const digits = entry.isFile() ? FILE_NAME.exec(entry.name)?.[1] : undefined
    if (digits === undefined) continue
    const seq = Number(digits)
    if (Number.isSafeInteger(seq)) found.push({ seq, file: join(dir, entry.name) })
  }
  return found.sort((left, right) => left.seq - right.seq)
}

/**
 * The whole records of one journal file (a torn tail cut off); empty for a file whose
 * header never reached the disk whole. A file with another header was not written by
 * this version: SeenSpansStateError.
 */
export async function readSeenSpansFile(file: string): Promise<Buffer> {
  const bytes = await readFile(file)
  const header = bytes.subarray(0, SEEN_SPANS_HEADER.length)
  if (header.length < SEEN_SPANS_HEADER.length || header.every((byte) => byte === 0)) return Buffer.alloc(0)
  if (!header.equals(SEEN_SPANS_HEADER)) throw new SeenSpansStateError({ file, expected: 'a seen-spans journal (header swseen01)' })
  const records = Math.floor((bytes.length - SEEN_SPANS_HEADER.length) / SEEN_SPANS_RECORD_BYTES)
  return bytes.subarray(SEEN_SPANS_HEADER.length, SEEN_SPANS_HEADER.length + records * SEEN_SPANS_RECORD_BYTES)
}
