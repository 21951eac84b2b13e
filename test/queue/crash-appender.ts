// Run as a child process by crash-safety.test.ts: appends numbered records as
// fast as it can with fsync 'always' and prints each number once its append
// resolved, until the test kills it with SIGKILL.
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'

const APPENDERS = 8
/** A bound for the loop in case nobody kills this process. */
const MAX_RECORDS = 1_000_000

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: crash-appender.ts <queue dir>')

const queue = await SegmentQueue.open({ dir, fsync: 'always', segmentMaxRows: 50, segmentMaxBytes: 64 * 1024 })
process.stdout.write('ready\n')

let next = 0
async function appendUntilKilled(): Promise<void> {
  while (next < MAX_RECORDS) {
    const number = next
    next += 1
    await queue.append(crashRecord(number), 1)
    process.stdout.write(`${number}\n`)
  }
}

await Promise.all(Array.from({ length: APPENDERS }, appendUntilKilled))
await queue.close()

/** `<number> <number % 97 x's>`: a line whose length checks its own content. */
function crashRecord(number: number): Buffer {
  return Buffer.from(`${number} ${'x'.repeat(number % 97)}\n`)
}
