import { ConfigError } from '../errors/config-error.js'

/** Where a bad price entry came from: the built-in catalog, the `entries` or `overrides` option, or a file. */
export type PriceEntryOrigin = 'catalog' | 'entries' | 'overrides' | `file ${string}`

export interface PriceTableErrorOptions {
  origin: PriceEntryOrigin
  /** Index of the entry in its list; absent when the list itself is bad (a file that is not JSON). */
  index?: number
  provider?: string
  model?: string
  /** Path of the bad field inside the entry, such as `prices.cachedInput`. */
  path?: string
  /** What is wrong, in words. */
  problem: string
  cause?: unknown
}

/**
 * A price table that cannot be built: a bad or conflicting entry in the
 * catalog, the config or a price file. The message names the entry (origin,
 * index, provider/model) and the path of the bad field, and the same facts
 * are kept as data.
 */
export class PriceTableError extends ConfigError {
  readonly origin: PriceEntryOrigin
  readonly index: number | undefined
  readonly provider: string | undefined
  readonly model: string | undefined
  readonly path: string | undefined
  readonly problem: string

  constructor(options: PriceTableErrorOptions) {
    const entry = options.index === undefined ? options.origin : `${options.origin}[${options.index}]`
    const named = options.provider !== undefined || options.model !== undefined
    const who = named ? ` (${options.provider ?? '?'}/${options.model ?? '?'})` : ''
    const where = options.path === undefined || options.path === '' ? '' : ` at ${options.path}`
    super({
      message: `Bad price entry ${entry}${who}${where}: ${options.problem}. Fix the entry, or leave the model out to price it as unknown.`,
      issues: [{ path: options.path === undefined || options.path === '' ? entry : `${entry}.${options.path}`, message: options.problem }],
      cause: options.cause,
    })
    this.origin = options.origin
    this.index = options.index
    this.provider = options.provider
    this.model = options.model
    this.path = options.path
    this.problem = options.problem
  }
}

export function isPriceTableError(error: unknown): error is PriceTableError {
  return PriceTableError.isInstance(error)
}
