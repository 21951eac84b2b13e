import { randomBytes } from 'node:crypto'
import { link, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QueueLockedError, errnoCode } from './queue-errors.js'

const LOCK_FILE = 'lock'
/** A stale lock is taken over by unlinking it; another process may win the next link, so retry a few times. */
const TAKEOVER_ATTEMPTS = 3

export interface DirectoryLock {
  readonly file: string
  release(): Promise<void>
}

/**
 * Takes exclusive use of `dir` for this process through a `lock` file holding
 * the pid. The file is written under a temporary name and hard-linked into
 * place, so it appears atomically with its content (link fails if it exists).
 * A lock whose pid is no longer alive, or that holds no pid, is stale and is
 * taken over; a live one fails with QueueLockedError naming the pid.
 */
export async function acquireDirectoryLock(dir: string): Promise<DirectoryLock> {
  const file = join(dir, LOCK_FILE)
  const temporary = join(dir, `${LOCK_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  await writeFile(temporary, `${process.pid}\n`, { flag: 'wx' })
  try {
    for (let attempt = 1; attempt <= TAKEOVER_ATTEMPTS; attempt += 1) {
      try {
        await link(temporary, file)
        return lockHeldAt(file)
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error
      }
      const holder = await readLockHolder(file)
      if (holder !== undefined && isProcessAlive(holder)) throw new QueueLockedError({ dir, lockFile: file, pid: holder })
      await unlink(file).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error
      })
    }
    const holder = (await readLockHolder(file)) ?? 0
    throw new QueueLockedError({ dir, lockFile: file, pid: holder })
  } finally {
    await unlink(temporary).catch(() => undefined)
  }
}

function lockHeldAt(file: string): DirectoryLock {
  let released = false
  return {
    file,
    async release() {
      if (released) return
      released = true
      // Only remove the lock if it is still ours: never unlink a lock another process took over.
      if ((await readLockHolder(file)) === process.pid) await unlink(file).catch(() => undefined)
    },
  }
}

async function readLockHolder(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined
    throw error
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errnoCode(error) === 'EPERM'
  }
}
