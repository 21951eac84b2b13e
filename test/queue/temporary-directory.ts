import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh directory under the OS temp dir for one test file's queues. */
export function makeTemporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'switchyard-queue-'))
}

export function removeDirectory(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true })
}
