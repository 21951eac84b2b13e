import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QueueStateError, errnoCode } from './queue-errors.js'
import { writeFileDurably } from '../../shared/write-file-durably.js'

const QUEUE_ID_FILE = 'queue-id'
const QUEUE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The random id of a queue directory, created once and kept for its life. It
 * prefixes every segment's deduplication token, so two directories never
 * produce the same token for different data.
 */
export async function readOrCreateQueueId(dir: string): Promise<string> {
  const file = join(dir, QUEUE_ID_FILE)
  try {
    const content = await readFile(file, 'utf8')
    const queueId = content.trim()
    if (!QUEUE_ID.test(queueId)) throw new QueueStateError({ file, content, expected: 'a lowercase UUID' })
    return queueId
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error
  }
  const queueId = randomUUID()
  await writeFileDurably(file, `${queueId}\n`)
  return queueId
}
