import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { errnoCode } from '../queue/queue-errors.js'
import { writeFileDurably } from '../../shared/write-file-durably.js'
import { SeenSpansStateError } from './seen-spans-errors.js'
import { SPAN_KEY_HASH_KEY_BYTES } from './span-key-hasher.js'

const HASH_KEY_FILE = 'hash-key'
const HASH_KEY_TEXT = new RegExp(`^[0-9a-f]{${SPAN_KEY_HASH_KEY_BYTES * 2}}$`)

/**
 * The secret key of the span key hash, created at random once and kept beside the
 * journal for the directory's life: the journal's keys only mean something under it.
 * It never leaves the file (no log, no error message carries it).
 */
export async function readOrCreateSpanKeyHashKey(dir: string): Promise<Uint8Array> {
  const file = join(dir, HASH_KEY_FILE)
  try {
    const text = (await readFile(file, 'utf8')).trim()
    if (!HASH_KEY_TEXT.test(text)) throw new SeenSpansStateError({ file, expected: `${SPAN_KEY_HASH_KEY_BYTES * 2} lowercase hex digits` })
    return Uint8Array.from(Buffer.from(text, 'hex'))
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error
  }
  const key = randomBytes(SPAN_KEY_HASH_KEY_BYTES)
  await writeFileDurably(file, `${key.toString('hex')}\n`)
  return Uint8Array.from(key)
}
