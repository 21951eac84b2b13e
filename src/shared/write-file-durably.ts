import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { syncDirectory } from './sync-directory.js'

/**
 * Replaces `path` with `content` so that after a crash or power loss the file
 * holds either the old or the new content, never a torn mix: write a
 * temporary file, fsync it, rename it over `path`, fsync the directory.
 */
export async function writeFileDurably(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const handle = await open(temporary, 'wx')
    try {
      await handle.writeFile(content)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => undefined)
    throw error
  }
  await syncDirectory(dirname(path))
}
