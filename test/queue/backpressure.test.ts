import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isQueueFullError, QueueFullError } from '../../src/collector/queue/queue-errors.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const RECORD_BYTES = 16 + 100

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

describe('SegmentQueue maxBytes', () => {
  it('rejects appends past maxBytes with QueueFullError and takes them again after an ack', async () => {
    const queue = await SegmentQueue.open({ dir, maxBytes: 4 * RECORD_BYTES + 10, segmentMaxBytes: 2 * RECORD_BYTES })
    const payload = Buffer.alloc(100, 'p')
    for (let index = 0; index < 4; index += 1) await queue.append(payload, 1)

    const error: unknown = await queue.append(payload, 1).catch((caught: unknown) => caught)
    if (!isQueueFullError(error)) throw error
    expect(error).toMatchObject({ resource: 'disk', bytes: 5 * RECORD_BYTES, maxBytes: 4 * RECORD_BYTES + 10, dir })
    expect(error.retryAfterMs).toBeGreaterThan(0)
    expect(queue.stats()).toMatchObject({ rejectedFull: 1, bytes: 4 * RECORD_BYTES, appendedRecords: 4 })

    const oldest = await queue.nextSealed()
    await queue.ack(oldest.seq)
    await queue.append(payload, 1)
    await queue.append(payload, 1)
    await expect(queue.append(payload, 1)).rejects.toBeInstanceOf(QueueFullError)
    expect(queue.stats()).toMatchObject({ rejectedFull: 2, bytes: 4 * RECORD_BYTES })
    await queue.close()
  })

  it('counts recovered segments against maxBytes', async () => {
    const first = await SegmentQueue.open({ dir })
    for (let index = 0; index < 3; index += 1) await first.append(Buffer.alloc(100), 1)
    await first.close()

    const second = await SegmentQueue.open({ dir, maxBytes: 3 * RECORD_BYTES, segmentMaxBytes: RECORD_BYTES })
    await expect(second.append(Buffer.alloc(100), 1)).rejects.toMatchObject({ name: 'QueueFullError', resource: 'disk' })
    await second.ack((await second.nextSealed()).seq)
    await second.append(Buffer.alloc(100), 1)
    await second.close()
  })

  it('rejects with resource "memory" when more than a segment of appends waits to be written', async () => {
    const queue = await SegmentQueue.open({ dir, segmentMaxBytes: 3 * RECORD_BYTES })
    const payload = Buffer.alloc(100)
    const appends = Array.from({ length: 4 }, () => queue.append(payload, 1).then(() => 'ok', (error: unknown) => error))
    const results = await Promise.all(appends)
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok'])
    expect(results[3]).toMatchObject({ name: 'QueueFullError', resource: 'memory', maxBytes: 3 * RECORD_BYTES })
    await queue.close()
  })
})
