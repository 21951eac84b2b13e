import { appendFile, readdir, stat, truncate, writeFile, open } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SegmentCorruptError } from '../../src/collector/queue/queue-errors.js'
import { readSegmentRecords } from '../../src/collector/queue/read-segment-records.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const HEADER_BYTES = 16

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

/** Writes `payloads` into one segment, closes the queue and returns the segment's file. */
async function writeSegment(payloads: string[]): Promise<string> {
  const queue = await SegmentQueue.open({ dir })
  for (const payload of payloads) await queue.append(Buffer.from(payload), 1)
  const sealed = await queue.sealOpen()
  await queue.close()
  if (sealed === undefined) throw new Error('expected a sealed segment')
  return sealed.file
}

async function recoveredPayloads(): Promise<{ text: string[]; stats: ReturnType<SegmentQueue['stats']> }> {
  const queue = await SegmentQueue.open({ dir })
  const text = await Promise.all(queue.sealed().map(async (segment) => (await segment.read()).toString()))
  const stats = queue.stats()
  await queue.close()
  return { text, stats }
}

describe('SegmentQueue recovery of torn tails', () => {
  it('cuts a record torn in its payload and keeps the records before it', async () => {
    const file = await writeSegment(['first;', 'second;', 'third;'])
    const { size } = await stat(file)
    await truncate(file, size - 3)

    const { text, stats } = await recoveredPayloads()
    expect(text).toEqual(['first;second;'])
    expect(stats.truncatedBytes).toBe(HEADER_BYTES + 'third;'.length - 3)
    expect(stats.rows).toBe(2)
    expect((await stat(file)).size).toBe(size - HEADER_BYTES - 'third;'.length)
  })

  it('cuts a record torn in its header', async () => {
    const file = await writeSegment(['first;', 'second;'])
    const { size } = await stat(file)
    await truncate(file, size - 'second;'.length - 9)

    const { text, stats } = await recoveredPayloads()
    expect(text).toEqual(['first;'])
    expect(stats.truncatedBytes).toBe(HEADER_BYTES - 9)
  })

  it('cuts garbage appended after the last record', async () => {
    const file = await writeSegment(['first;', 'second;'])
    await appendFile(file, Buffer.from('garbage that is no record at all'))

    const { text, stats } = await recoveredPayloads()
    expect(text).toEqual(['first;second;'])
    expect(stats.truncatedBytes).toBe('garbage that is no record at all'.length)
  })

  it('cuts from the first record whose checksum fails', async () => {
    const file = await writeSegment(['first;', 'second;', 'third;'])
    const handle = await open(file, 'r+')
    await handle.write(Buffer.from('S'), 0, 1, HEADER_BYTES + 'first;'.length + HEADER_BYTES)
    await handle.close()

    const { text, stats } = await recoveredPayloads()
    expect(text).toEqual(['first;'])
    expect(stats.truncatedBytes).toBe(2 * HEADER_BYTES + 'second;third;'.length)
  })

  it('removes a segment with no intact record and counts its bytes', async () => {
    await writeSegment(['kept;'])
    await writeFile(join(dir, 'segment-0000000000999999.wal'), Buffer.alloc(40, 0))

    const { text, stats } = await recoveredPayloads()
    expect(text).toEqual(['kept;'])
    expect(stats.truncatedBytes).toBe(40)
    expect(await readdir(dir)).not.toContain('segment-0000000000999999.wal')
  })

  it('refuses to read a sealed segment whose file changed after sealing', async () => {
    const queue = await SegmentQueue.open({ dir })
    await queue.append(Buffer.from('sealed;'), 1)
    const sealed = await queue.sealOpen()
    if (sealed === undefined) throw new Error('expected a sealed segment')
    await appendFile(sealed.file, Buffer.from('more'))
    await expect(sealed.read()).rejects.toBeInstanceOf(SegmentCorruptError)
    await truncate(sealed.file, sealed.bytes - 1)
    await expect(sealed.read()).rejects.toMatchObject({ file: sealed.file, expectedBytes: sealed.bytes })
    await queue.close()
  })

  it('reads a segment of many records as their payloads in order, and refuses one whose middle record changed', async () => {
    const queue = await SegmentQueue.open({ dir })
    const payloads = Array.from({ length: 40 }, (_, index) => `${'x'.repeat(index * 4001)}#${index};`)
    for (const payload of payloads) await queue.append(Buffer.from(payload), 1)
    const sealed = await queue.sealOpen()
    if (sealed === undefined) throw new Error('expected a sealed segment')
    expect((await sealed.read()).toString()).toBe(payloads.join(''))
    // Flip one byte of the 21st payload: same size, wrong checksum.
    const offset = payloads.slice(0, 20).reduce((total, payload) => total + HEADER_BYTES + payload.length, 0) + HEADER_BYTES + 5
    const handle = await open(sealed.file, 'r+')
    await handle.write(Buffer.from('y'), 0, 1, offset)
    await handle.close()
    await expect(sealed.read()).rejects.toMatchObject({ file: sealed.file, offset: offset - HEADER_BYTES - 5 })
    await queue.close()
  })

  it('stops at the end of a file shorter than measured, whether read by window or whole, and never reads a record past it', async () => {
    const file = await writeSegment(['one;', 'two;', 'three;'])
    const { size } = await stat(file)
    await truncate(file, size - 2)
    for (const into of [undefined, Buffer.alloc(size + 100, 0x2a)]) {
      const handle = await open(file, 'r')
      const payloads: string[] = []
      const valid = await readSegmentRecords({ file: handle, fileBytes: size, into, onRecord: (record) => payloads.push(record.payload.toString()) })
      await handle.close()
      expect(payloads).toEqual(['one;', 'two;'])
      expect(valid).toBe(2 * HEADER_BYTES + 'one;two;'.length)
    }
  })
})
