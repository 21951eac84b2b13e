// Measures append throughput with fsync 'always' and 2 KB payloads, for one
// appender and for 32 concurrent ones:
//   node --import tsx test/queue/measure-group-commit.ts [seconds]
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const PAYLOAD = Buffer.alloc(2048, 'm')
const seconds = Number(process.argv[2] ?? '3')

async function measure(appenders: number): Promise<void> {
  const dir = await makeTemporaryDirectory()
  const queue = await SegmentQueue.open({ dir, fsync: 'always' })
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadline) await queue.append(PAYLOAD, 1)
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const { appendedRecords, fsyncs } = queue.stats()
  await queue.close()
  await removeDirectory(dir)
  const perSecond = Math.round(appendedRecords / elapsed)
  const perFsync = (appendedRecords / fsyncs).toFixed(1)
  process.stdout.write(`${appenders} appender(s): ${perSecond} appends/s, ${fsyncs} fdatasyncs, ${perFsync} appends per fdatasync\n`)
}

await measure(1)
await measure(32)
