import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * No price-table entry prices this model at this time, where a price is
 * required (a budget reservation). Pricing a finished call never throws this:
 * it records the call as `unknown` instead.
 */
export class PriceNotFoundError extends SwitchyardError {
  declare readonly code: 'price_not_found'
  readonly provider: string
  readonly model: string
  readonly at: Date

  constructor(options: { provider: string; model: string; at: Date }) {
    super({
      code: 'price_not_found',
      message: `No price for ${options.provider}/${options.model} at ${options.at.toISOString()}. ` +
        'Add an entry for it with createPriceTable({ entries }) or a price file.',
    })
    this.provider = options.provider
    this.model = options.model
    this.at = options.at
  }
}

export function isPriceNotFoundError(error: unknown): error is PriceNotFoundError {
  return PriceNotFoundError.isInstance(error)
}
