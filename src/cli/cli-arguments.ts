import { parseArgs, type ParseArgsConfig } from 'node:util'
import { SwitchyardError } from '../errors/switchyard-error.js'

/** A command-line mistake; the message names the option. */
export class CliUsageError extends SwitchyardError {
  declare readonly code: 'usage_invalid'

  constructor(message: string) {
    super({ code: 'usage_invalid', message })
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs with errors that read as usage errors rather than stack traces. */
export function parseCliArguments<T extends Options>(argv: string[], options: T): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false })
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error))
  }
}

/** A numeric flag, or undefined when absent; a non-number names the flag. */
export function numberOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw new CliUsageError(`--${flag} must be a number (got ${JSON.stringify(value)})`)
  return parsed
}

/** A size flag such as `16MiB`, `512k`, `1GB` or a plain byte count. */
export function byteSizeOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(value.trim())
  if (match === null) throw new CliUsageError(`--${flag} must be a size like 16MiB or 1048576 (got ${JSON.stringify(value)})`)
  const unit = (match[2] ?? 'b').toLowerCase()[0]
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1
  return Math.round(Number(match[1]) * factor)
}
