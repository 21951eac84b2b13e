/** Exact cost for every model call: the price table, its lookup, and integer-unit pricing. */
export { catalogEntries } from './catalog-entries.js'
export { createPriceTable, type CreatePriceTableOptions } from './create-price-table.js'
export { estimateCutStreamUsage, type CutStreamUsageOptions } from './estimate-cut-stream-usage.js'
export { charactersPerToken, countCharacters, estimateOutputTokens } from './estimate-output-tokens.js'
export { formatUsd, unitsPerUsd } from './format-usd.js'
export { parseUsd, type ParsedUsd } from './parse-usd.js'
export {
  priceCall,
  type CostBreakdown,
  type CostFlag,
  type CostLine,
  type CostSource,
  type PriceCallOptions,
  type PriceResult,
} from './price-call.js'
export type { PriceEntry } from './price-entry.js'
export { priceEntrySchema, type PriceEntryDefinition, type PriceEntryInput } from './price-entry-schema.js'
export { isPriceNotFoundError, PriceNotFoundError } from './price-not-found-error.js'
export type { PriceLookup, PriceQuery, PriceTable } from './price-table.js'
export { isPriceTableError, PriceTableError, type PriceEntryOrigin } from './price-table-error.js'
export type { PriceTier } from './schedule-for-prompt.js'
export type { UsageFlag } from './split-usage.js'
export { UnknownModelWarnings } from './unknown-model-warnings.js'
export { worstCaseCost, type WorstCaseCostOptions } from './worst-case-cost.js'
