import { PriceNotFoundError } from './price-not-found-error.js'
import type { PriceTable } from './price-table.js'
import { scheduleForPrompt } from './schedule-for-prompt.js'

export interface WorstCaseCostOptions {
  table: PriceTable
  provider: string
  model: string
  /** Prompt tokens of the request (counted or estimated before the call). */
  inputTokens: number
  /** The request's output limit (`max_tokens`). */
  maxOutputTokens: number
  at: Date
}

/**
 * The most a call can cost, in pico-USD, for a budget to reserve before it
 * is sent: every prompt token at the dearest input-side price of its tier
 * (a 1-hour cache write costs more than plain input) and the full output
 * limit at the output price, at the long-context tier when the prompt
 * exceeds its threshold. Throws PriceNotFoundError for a model without a
 * price, so that the budget decides what an unpriced call may do.
 */
export function worstCaseCost(options: WorstCaseCostOptions): bigint {
  const lookup = options.table.find({ provider: options.provider, model: options.model, at: options.at })
  if (!lookup.found) throw new PriceNotFoundError({ provider: options.provider, model: options.model, at: options.at })
  const inputTokens = wholeCount(options.inputTokens, 'inputTokens')
  const { schedule } = scheduleForPrompt(lookup.entry, inputTokens)
  const prices = schedule.unitsPerToken
  let dearestInput = prices.input
  if (prices.cachedInput > dearestInput) dearestInput = prices.cachedInput
  if (prices.cacheWrite5m > dearestInput) dearestInput = prices.cacheWrite5m
  if (prices.cacheWrite1h > dearestInput) dearestInput = prices.cacheWrite1h
  return BigInt(inputTokens) * dearestInput + BigInt(wholeCount(options.maxOutputTokens, 'maxOutputTokens')) * prices.output
}

/** A reservation must never be free by accident: a count that is not a finite non-negative number is a bug in the caller. */
function wholeCount(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`worstCaseCost: ${name} must be a finite non-negative number, got ${value}`)
  return Math.ceil(value)
}
