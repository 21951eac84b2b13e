import { open } from 'node:fs/promises'

/**
 * fsyncs a directory, which is what makes a file's creation, rename or
 * deletion survive power loss (fdatasync of the file covers only its data).
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
