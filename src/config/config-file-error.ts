import { ConfigError } from '../errors/config-error.js'

/** Where in a file a parser stopped, 1-based. */
export interface FilePosition {
  line: number
  column: number
}

/**
 * A config file that cannot be read or parsed, as a ConfigError whose message names
 * the file and, for a syntax error, the line and column. The cause is not kept: a
 * parser's message may quote the file, and the file may hold a secret.
 */
export function configFileError(file: string, problem: string, position?: FilePosition): ConfigError {
  const where = position === undefined ? file : `${file}:${position.line}:${position.column}`
  return new ConfigError({ message: `Cannot load switchyard config ${where}: ${problem}` })
}

/** The line and column of a character offset into `text`. */
export function positionOf(text: string, offset: number): FilePosition {
  const before = text.slice(0, Math.max(0, offset))
  const lines = before.split('\n')
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 }
}
