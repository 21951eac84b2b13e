import { diag } from '@opentelemetry/api'
import { isPriceNotFoundError } from '../pricing/price-not-found-error.js'
import type { PriceTable } from '../pricing/price-table.js'
import { worstCaseCost } from '../pricing/worst-case-cost.js'

/**
 * The most an instrumented call can cost, in pico-USD, for the budget gate to
 * reserve: its estimated prompt and its output limit at the prices of the
 * service tier it asks for (a `priority` request reserves at the priority
 * prices), or of the table's unknown-model policy for an unpriced model.
 * Undefined when the request sets no output limit or nothing prices the model:
 * the gate then reserves by its own rule. Never throws.
 */
export function callWorstCase(options: {
  table: PriceTable
  provider: string
  model: string
  inputTokens: number
  maxOutputTokens: number | undefined
  serviceTier: string | undefined
  at: Date
}): bigint | undefined {
  const { maxOutputTokens } = options
  if (maxOutputTokens === undefined) return undefined
  try {
    return worstCaseCost({ ...options, maxOutputTokens })
  } catch (error) {
    if (!isPriceNotFoundError(error)) diag.warn(`switchyard: cannot work out the worst case of a call: ${String(error)}`)
    return undefined
  }
}
