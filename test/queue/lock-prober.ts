// Run as a child process by directory-lock.test.ts: tries to open the queue
// in argv[2] and prints what happened as one JSON line.
import { isQueueLockedError } from '../../src/collector/queue/queue-errors.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: lock-prober.ts <queue dir>')

try {
  const queue = await SegmentQueue.open({ dir })
  await queue.close()
  process.stdout.write(`${JSON.stringify({ opened: true })}\n`)
} catch (error) {
  if (!isQueueLockedError(error)) throw error
  process.stdout.write(`${JSON.stringify({ opened: false, pid: error.pid, message: error.message })}\n`)
}
