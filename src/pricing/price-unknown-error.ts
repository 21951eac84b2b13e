import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * A call was refused before it was made because the price table does not price
 * its model and `prices.unknownModel` is `'block'`: spend that cannot be counted
 * is not made. Add a price entry for the model, or choose another policy.
 */
export class PriceUnknownError extends SwitchyardError {
  declare readonly code: 'price_unknown'
  readonly provider: string
  readonly model: string
  /** The route whose target named the model, when the router refused it. */
  readonly route: string | undefined

  constructor(options: { provider: string; model: string; route?: string }) {
    const where = options.route === undefined ? '' : ` (route "${options.route}")`
    super({
      code: 'price_unknown',
      message: `Refused a call to ${options.provider}/${options.model}${where}: the price table has no price for this model and prices.unknownModel is "block". ` +
        'Add a price entry for it (prices.entries) or set prices.unknownModel to "mostExpensive", { priceAs } or { inputPerMillion, outputPerMillion }.',
    })
    this.provider = options.provider
    this.model = options.model
    this.route = options.route
  }
}

export function isPriceUnknownError(error: unknown): error is PriceUnknownError {
  return PriceUnknownError.isInstance(error)
}
