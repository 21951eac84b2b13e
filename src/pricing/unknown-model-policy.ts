import { z } from 'zod'
import { usdPerMillion } from './price-entry-schema.js'

/**
 * What a call to a model the price table does not price counts as, so that
 * unpriced spend never reads as zero against a budget:
 *
 * - `'mostExpensive'` (the default): the dearest price the table knows for that
 *   provider, input and output separately (the maximum of each over its models);
 * - `'block'`: the router refuses the call before it is made (PriceUnknownError).
 *   A call that was made anyway (seen at ingest, or by an instrumented client)
 *   is counted as `'mostExpensive'`;
 * - `{ priceAs: '<provider>/<model>' }`: the prices of another model;
 * - `{ inputPerMillion, outputPerMillion }`: these prices, USD per million tokens.
 *
 * A cost from any of them is recorded with `switchyard.cost.source=estimate` and
 * a `switchyard.price.version` that starts with `unknown_model:` and says which.
 * A provider the table has no price for (a local host, an unlisted gateway) is
 * counted under `'mostExpensive'` at the dearest price of any provider: a model
 * that is really free gets a price entry of 0 instead. Only a table with no price
 * at all leaves a call `unknown` (cost 0).
 */
export const unknownModelPolicySchema = z.union([
  z.enum(['mostExpensive', 'block']),
  z.strictObject({
    priceAs: z.string().regex(/^[^/\s]+\/\S+$/, 'must name a priced model as "<provider>/<model>", e.g. "openai/gpt-5"'),
  }),
  z.strictObject({ inputPerMillion: usdPerMillion, outputPerMillion: usdPerMillion }),
])

export type UnknownModelPolicy = z.infer<typeof unknownModelPolicySchema>

/** Splits `openai/gpt-5` (or `openrouter/openai/gpt-5`) at its first slash. */
export function priceAsTarget(priceAs: string): { provider: string; model: string } {
  const slash = priceAs.indexOf('/')
  return { provider: priceAs.slice(0, slash), model: priceAs.slice(slash + 1) }
}
