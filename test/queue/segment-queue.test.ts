import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isQueueClosedError, RecordTooLargeError } from '../../src/collector/queue/queue-errors.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

function line(text: string): Buffer {
  return Buffer.from(`${text}\n`)
}

describe('SegmentQueue', () => {
  it('returns appended payloads in order from a sealed segment and deletes it on ack', async () => {
    const queue = await SegmentQueue.open({ dir })
    await queue.append(line('{"a":1}'), 1)
    await Promise.all([queue.append(line('{"a":2}'), 1), queue.append(line('{"a":3}\n{"a":4}'), 2)])
    expect(queue.stats()).toMatchObject({ openRows: 4, rows: 4, segments: 1, appendedRecords: 3 })

    const sealed = await queue.sealOpen()
    expect(sealed).toMatchObject({ rows: 4, records: 3, token: `${queue.queueId}-${sealed?.seq}` })
    // Sealing adds nothing to the file: it holds exactly the three records.
    expect((await stat(sealed?.file ?? '')).size).toBe(sealed?.bytes)
    expect(sealed?.bytes).toBe(3 * 16 + (sealed?.payloadBytes ?? 0))
    const next = await queue.nextSealed()
    expect(next.seq).toBe(sealed?.seq)
    expect((await next.read()).toString()).toBe('{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n')
    expect(next.payloadBytes).toBe(Buffer.byteLength('{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n'))
    expect(queue.stats()).toMatchObject({ openRows: 0, rows: 4, bytes: next.bytes })

    expect(await queue.ack(next.seq)).toBe(true)
    expect(await queue.ack(next.seq)).toBe(false)
    expect(queue.stats()).toMatchObject({ segments: 0, bytes: 0, rows: 0 })
    expect((await readdir(dir)).filter((name) => name.endsWith('.wal'))).toEqual([])
    await queue.close()
  })

  it('seals a segment once it holds segmentMaxRows rows', async () => {
    const queue = await SegmentQueue.open({ dir, segmentMaxRows: 5 })
    for (let index = 0; index < 12; index += 1) await queue.append(line(`${index}`), 1)
    const first = await queue.nextSealed()
    const second = await queue.nextSealed()
    expect([first.rows, second.rows]).toEqual([5, 5])
    expect(second.seq).toBeGreaterThan(first.seq)
    expect((await second.read()).toString()).toBe('5\n6\n7\n8\n9\n')
    expect(queue.stats().openRows).toBe(2)
    await queue.close()
  })

  it('seals before a record would push a segment past segmentMaxBytes', async () => {
    const queue = await SegmentQueue.open({ dir, segmentMaxBytes: 100 })
    const payload = Buffer.alloc(30, 'x') // 46 bytes with its header: two fit in 100, three do not
    for (let index = 0; index < 5; index += 1) await queue.append(payload, 1)
    const segments = [await queue.nextSealed(), await queue.nextSealed()]
    expect(segments.map((segment) => segment.bytes)).toEqual([92, 92])
    expect(queue.stats().openRows).toBe(1)
    await expect(queue.append(Buffer.alloc(100), 1)).rejects.toBeInstanceOf(RecordTooLargeError)
    await queue.close()
  })

  it('seals a non-empty open segment segmentMaxAgeMs after its first record', async () => {
    const queue = await SegmentQueue.open({ dir, segmentMaxAgeMs: 50 })
    const started = Date.now()
    await queue.append(line('old'), 1)
    const sealed = await queue.nextSealed(AbortSignal.timeout(2000))
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect((await sealed.read()).toString()).toBe('old\n')
    await queue.close()
  })

  it('gives up waiting for a sealed segment when the signal aborts', async () => {
    const queue = await SegmentQueue.open({ dir })
    await expect(queue.nextSealed(AbortSignal.timeout(20))).rejects.toMatchObject({ name: 'TimeoutError' })
    await queue.close()
  })

  it('offers segments left by a previous run first and appends after them with a higher seq', async () => {
    const first = await SegmentQueue.open({ dir, segmentMaxRows: 2 })
    for (let index = 0; index < 5; index += 1) await first.append(line(`${index}`), 1)
    const queueId = first.queueId
    await first.close()

    const second = await SegmentQueue.open({ dir })
    expect(second.queueId).toBe(queueId)
    expect(second.stats()).toMatchObject({ recoveredSegments: 3, rows: 5, truncatedBytes: 0 })
    await second.append(line('new'), 1)
    const newest = await second.sealOpen()
    const recovered = [await second.nextSealed(), await second.nextSealed(), await second.nextSealed()]
    expect(await Promise.all(recovered.map(async (segment) => (await segment.read()).toString()))).toEqual(['0\n1\n', '2\n3\n', '4\n'])
    expect(newest?.seq).toBeGreaterThan(recovered[2]?.seq ?? Infinity)
    expect((await second.nextSealed()).seq).toBe(newest?.seq)
    await second.close()
  })

  it('never reuses a seq, even after every segment was acked and deleted', async () => {
    const tokens: string[] = []
    for (let run = 0; run < 3; run += 1) {
      const queue = await SegmentQueue.open({ dir })
      await queue.append(line(`run ${run}`), 1)
      const sealed = await queue.sealOpen()
      if (sealed === undefined) throw new Error('expected a sealed segment')
      tokens.push(sealed.token)
      await queue.ack(sealed.seq)
      await queue.close()
    }
    expect(new Set(tokens).size).toBe(3)
    expect((await readFile(join(dir, 'queue-id'), 'utf8')).trim()).toBe(tokens[0]?.slice(0, 36))
  })

  it('rejects appends after close with a clear error and keeps the data for the next open', async () => {
    const queue = await SegmentQueue.open({ dir, fsync: 'never' })
    const pending = queue.append(line('last'), 1)
    await queue.close()
    await pending
    const error: unknown = await queue.append(line('late'), 1).catch((caught: unknown) => caught)
    expect(isQueueClosedError(error)).toBe(true)
    expect(String(error)).toContain(dir)

    const reopened = await SegmentQueue.open({ dir })
    expect((await (await reopened.nextSealed()).read()).toString()).toBe('last\n')
    await reopened.close()
  })

  it('fsyncs on an interval with fsync "interval"', async () => {
    const queue = await SegmentQueue.open({ dir, fsync: 'interval', fsyncIntervalMs: 200 })
    for (let index = 0; index < 20; index += 1) await queue.append(line(`${index}`), 1)
    // Appends do not wait for an fsync each: far fewer fsyncs than appends, even on a loaded machine.
    expect(queue.stats().fsyncs).toBeLessThan(10)
    await vi.waitFor(() => expect(queue.stats().fsyncs).toBeGreaterThanOrEqual(1), { timeout: 2000, interval: 10 })
    await queue.close()
  })
})
