import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isQueueLockedError } from '../../src/collector/queue/queue-errors.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const PROBER = fileURLToPath(new URL('./lock-prober.ts', import.meta.url))
const run = promisify(execFile)

let dir: string

beforeEach(async () => {
  dir = await makeTemporaryDirectory()
})

afterEach(async () => {
  await removeDirectory(dir)
})

async function probeFromChild(): Promise<{ opened: boolean; pid?: number; message?: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBER, dir])
  return JSON.parse(stdout) as { opened: boolean; pid?: number; message?: string }
}

describe('SegmentQueue directory lock', () => {
  it('refuses a second open in the same process, naming the pid, until the first closes', async () => {
    const queue = await SegmentQueue.open({ dir })
    const error: unknown = await SegmentQueue.open({ dir }).catch((caught: unknown) => caught)
    if (!isQueueLockedError(error)) throw error
    expect(error.pid).toBe(process.pid)
    expect(error.message).toContain(`pid ${process.pid}`)
    expect(error.message).toContain(dir)
    await queue.close()

    const reopened = await SegmentQueue.open({ dir })
    await reopened.close()
  })

  it('refuses an open from another process while held, naming this pid', async () => {
    const queue = await SegmentQueue.open({ dir })
    const probe = await probeFromChild()
    expect(probe).toMatchObject({ opened: false, pid: process.pid })
    expect(probe.message).toContain(`process ${process.pid}`)
    await queue.close()
  })

  it('takes over a lock left by a process that is gone', async () => {
    const child = await new Promise<number>((resolve) => {
      const exited = execFile(process.execPath, ['-e', ''], () => resolve(exited.pid ?? 0))
    })
    await writeFile(join(dir, 'lock'), `${child}\n`)
    const queue = await SegmentQueue.open({ dir })
    expect((await readFile(join(dir, 'lock'), 'utf8')).trim()).toBe(String(process.pid))
    await queue.close()
    await expect(readFile(join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
