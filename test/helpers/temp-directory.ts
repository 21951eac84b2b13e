import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fresh directory under the OS temp dir; remove it with the returned function. */
export function makeTempDirectory(prefix: string): { path: string; remove(): void } {
  const directory = mkdtempSync(path.join(os.tmpdir(), `switchyard-${prefix}-`))
  return { path: directory, remove: () => rmSync(directory, { recursive: true, force: true }) }
}
