import { watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import { diag } from '@opentelemetry/api'

/** Editors write a file in several steps (truncate, write, rename): one reload after the last. */
const debounceMs = 200

/**
 * Call `onChange` once a config file has stopped changing for a moment. The file's
 * directory is watched (an editor that saves by rename replaces the file, and a watch
 * on the file itself would follow the old one). Returns the function that stops it.
 */
export function watchConfigFile(file: string, onChange: () => void): () => void {
  const directory = path.dirname(path.resolve(file))
  const name = path.basename(file)
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(directory, { persistent: false }, (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return
      clearTimeout(timer)
      timer = setTimeout(onChange, debounceMs)
    })
    watcher.on('error', (error) => diag.warn(`switchyard gateway: watching ${file} stopped: ${error.message}`))
  } catch (error) {
    diag.warn(`switchyard gateway: cannot watch ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return () => {
    clearTimeout(timer)
    watcher?.close()
  }
}
