import { PriceUnknownError } from '../pricing/price-unknown-error.js'
import type { PriceTable } from '../pricing/price-table.js'

/**
 * With `unknownModel: 'block'` in the price table, refuses a call whose model
 * the table does not price, before its request is sent, as the router does:
 * spend that cannot be counted is not made. Throws PriceUnknownError. A request
 * that names no model (a stored Responses prompt) cannot be judged before the
 * answer and is let through; its answer's model is priced as usual.
 */
export function refuseUnpricedModel(options: { table: PriceTable; provider: string; model: string | undefined; at: Date }): void {
  const { table, provider, model } = options
  if (table.unknownModel !== 'block' || model === undefined) return
  if (table.find({ provider, model, at: options.at }).found) return
  throw new PriceUnknownError({ provider, model })
}
