import { open } from 'node:fs/promises'
import { CliUsageError } from './cli-arguments.js'

/** A token file holds one token and a newline, not a document. */
const maxTokenFileBytes = 4096

/**
 * The collector's bearer token from `--token-file`: the file's text without the
 * surrounding whitespace (so `openssl rand -hex 32 > token` works as is). A file that
 * is missing, empty or too long is a usage error naming the file, never quoting it.
 */
export async function readTokenFile(file: string): Promise<string> {
  let text: string
  try {
    const handle = await open(file, 'r')
    try {
      const buffer = Buffer.alloc(maxTokenFileBytes + 1)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      if (bytesRead > maxTokenFileBytes) throw new CliUsageError(`--token-file ${file} is over ${maxTokenFileBytes} bytes: it should hold only the token`)
      text = buffer.subarray(0, bytesRead).toString('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    if (error instanceof CliUsageError) throw error
    throw new CliUsageError(`cannot read --token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))}`)
  }
  const token = text.trim()
  if (token === '') throw new CliUsageError(`--token-file ${file} is empty`)
  return token
}
