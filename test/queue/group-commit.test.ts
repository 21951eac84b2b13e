import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const APPENDERS = 32
const APPENDS_EACH = 40

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

describe('SegmentQueue group commit', () => {
  it('coalesces 32 concurrent appenders into far fewer fdatasyncs than appends', async () => {
    const queue = await SegmentQueue.open({ dir, fsync: 'always' })
    const payload = Buffer.alloc(2048, 'g')
    await Promise.all(
      Array.from({ length: APPENDERS }, async () => {
        for (let index = 0; index < APPENDS_EACH; index += 1) await queue.append(payload, 1)
      }),
    )
    const { fsyncs, appendedRecords } = queue.stats()
    expect(appendedRecords).toBe(APPENDERS * APPENDS_EACH)
    // One fdatasync per commit; with 32 waiting appenders a commit carries ~31 of them.
    expect(fsyncs).toBeLessThan(appendedRecords / 8)
    await queue.close()
  })

  it('resolves a lone append only after its own fdatasync', async () => {
    const queue = await SegmentQueue.open({ dir, fsync: 'always' })
    for (let index = 0; index < 5; index += 1) await queue.append(Buffer.from('x'), 1)
    expect(queue.stats().fsyncs).toBe(5)
    await queue.close()
  })

  it('keeps append order across a group commit that spans a segment boundary', async () => {
    const queue = await SegmentQueue.open({ dir, fsync: 'always', segmentMaxRows: 7 })
    await Promise.all(Array.from({ length: 30 }, (_, index) => queue.append(Buffer.from(`${index},`), 1)))
    await queue.sealOpen()
    const text = (await Promise.all(queue.sealed().map(async (segment) => (await segment.read()).toString()))).join('')
    expect(text).toBe(Array.from({ length: 30 }, (_, index) => `${index},`).join(''))
    expect(queue.sealed().map((segment) => segment.rows)).toEqual([7, 7, 7, 7, 2])
    await queue.close()
  })
})
