import { mkdir, open, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isQueueFailedError, isQueueWriteError } from '../../src/collector/queue/queue-errors.js'
import type { SegmentFile, SegmentFileOpener } from '../../src/collector/queue/segment-file.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

type Operation = 'writev' | 'datasync' | 'truncate'

function systemError(code: string, operation: string): Error {
  return Object.assign(new Error(`${code}: injected failure, ${operation}`), { code })
}

/**
 * Opens real segment files whose `operation` fails with `code` on its
 * `failAt`-th call across all files; a failing writev first writes half of
 * what it was given, as a disk filling up mid-write does.
 */
function faultyFiles(faults: { operation: Operation; failAt: number[]; code: string }): SegmentFileOpener {
  const calls: Record<Operation, number> = { writev: 0, datasync: 0, truncate: 0 }
  const fails = (operation: Operation) => {
    calls[operation] += 1
    return operation === faults.operation && faults.failAt.includes(calls[operation])
  }
  return async (path) => {
    const handle = await open(path, 'wx')
    const file: SegmentFile = {
      async writev(buffers, position) {
        if (!fails('writev')) return handle.writev(buffers, position)
        const whole = Buffer.concat(buffers)
        await handle.write(whole, 0, Math.floor(whole.length / 2), position)
        throw systemError(faults.code, 'writev')
      },
      async datasync() {
        if (fails('datasync')) throw systemError(faults.code, 'datasync')
        return handle.datasync()
      },
      async truncate(length) {
        if (fails('truncate')) throw systemError(faults.code, 'truncate')
        return handle.truncate(length)
      },
      close: () => handle.close(),
    }
    return file
  }
}

async function contents(queue: SegmentQueue): Promise<string[]> {
  return Promise.all(queue.sealed().map(async (segment) => (await segment.read()).toString()))
}

describe('SegmentQueue on disk errors', () => {
  it('rejects the appends of a failed write with the file named, keeps what was written and goes on in a new segment', async () => {
    const queue = await SegmentQueue.open({ dir, openSegmentFile: faultyFiles({ operation: 'writev', failAt: [2], code: 'ENOSPC' }) })
    await queue.append(Buffer.from('a;'), 1)
    const failed = await Promise.all([queue.append(Buffer.from('b;'), 1), queue.append(Buffer.from('c;'), 1)].map((append) => append.catch((error: unknown) => error)))
    for (const error of failed) {
      if (!isQueueWriteError(error)) throw error
      expect(error).toMatchObject({ operation: 'write', errno: 'ENOSPC' })
      expect(error.file).toMatch(/segment-0+1\.wal$/)
      expect(error.message).toContain(error.file)
    }
    await queue.append(Buffer.from('d;'), 1)
    await queue.sealOpen()
    expect(await contents(queue)).toEqual(['a;', 'd;'])
    expect(queue.stats()).toMatchObject({ appendedRecords: 2, rejectedWrite: 2, rows: 2 })
    await queue.close()

    const reopened = await SegmentQueue.open({ dir })
    expect(await contents(reopened)).toEqual(['a;', 'd;'])
    expect(reopened.stats().truncatedBytes).toBe(0)
    await reopened.close()
  })

  it('rejects the appends whose fdatasync failed and never offers them', async () => {
    const queue = await SegmentQueue.open({ dir, openSegmentFile: faultyFiles({ operation: 'datasync', failAt: [2], code: 'EIO' }) })
    await queue.append(Buffer.from('a;'), 1)
    await expect(queue.append(Buffer.from('b;'), 1)).rejects.toMatchObject({ name: 'QueueWriteError', operation: 'fdatasync', errno: 'EIO' })
    await queue.append(Buffer.from('c;'), 1)
    await queue.sealOpen()
    expect(await contents(queue)).toEqual(['a;', 'c;'])
    await queue.close()
  })

  it('stops taking appends, naming the file, when a failed segment cannot be cut back', async () => {
    const openSegmentFile = faultyFiles({ operation: 'datasync', failAt: [2, 3], code: 'EIO' })
    const queue = await SegmentQueue.open({ dir, openSegmentFile })
    await queue.append(Buffer.from('a;'), 1)
    const error: unknown = await queue.append(Buffer.from('b;'), 1).catch((caught: unknown) => caught)
    if (!isQueueFailedError(error)) throw error
    expect(error.file).toMatch(/segment-0+1\.wal$/)
    await expect(queue.append(Buffer.from('c;'), 1)).rejects.toBe(error)
    await expect(queue.close()).rejects.toBe(error)

    const reopened = await SegmentQueue.open({ dir })
    const recovered = (await contents(reopened)).join('')
    // 'b;' was written before its fdatasync failed; it may survive, but it was never acknowledged.
    expect(recovered.startsWith('a;')).toBe(true)
    await reopened.close()
  })

  it('rejects appends when the segment file cannot be created and uses the next seq', async () => {
    const queue = await SegmentQueue.open({ dir })
    const blocked = join(dir, 'segment-0000000000000001.wal')
    await mkdir(blocked)
    await expect(queue.append(Buffer.from('a;'), 1)).rejects.toMatchObject({ name: 'QueueWriteError', operation: 'create', file: blocked, errno: 'EEXIST' })
    await queue.append(Buffer.from('b;'), 1)
    const sealed = await queue.sealOpen()
    expect(sealed?.seq).toBe(2)
    expect(await contents(queue)).toEqual(['b;'])
    await queue.close()
    await rmdir(blocked)
  })
})
