import { PriceNotFoundError } from './price-not-found-error.js'
import type { PriceSchedule } from './price-schedule.js'
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
  /** The service tier the request asks for, when it names one; standard prices otherwise. */
  serviceTier?: string
}

/**
 * The most a call can cost, in pico-USD, for a budget to reserve before it
 * is sent: every prompt token at the dearest input-side price of its tier
 * (a 1-hour cache write costs more than plain input) and the full output
 * limit at the output price, at the long-context tier when the prompt
 * exceeds its threshold. A model without a price is reserved at the prices
 * the table's unknown-model policy counts it at (by default its provider's
 * dearest), so that unpriced spend never reserves nothing. Throws
 * PriceNotFoundError only when the policy has no price for it either.
 */
export function worstCaseCost(options: WorstCaseCostOptions): bigint {
  const query = { provider: options.provider, model: options.model, at: options.at }
  const lookup = options.table.find(query)
  const inputTokens = wholeCount(options.inputTokens, 'inputTokens')
  const schedule = lookup.found ? scheduleForPrompt(lookup.entry, inputTokens, options.serviceTier).schedule : unknownModelSchedule(options, inputTokens)
  const prices = schedule.unitsPerToken
  let dearestInput = prices.input
  if (prices.cachedInput > dearestInput) dearestInput = prices.cachedInput
  if (prices.cacheWrite5m > dearestInput) dearestInput = prices.cacheWrite5m
  if (prices.cacheWrite1h > dearestInput) dearestInput = prices.cacheWrite1h
  return BigInt(inputTokens) * dearestInput + BigInt(wholeCount(options.maxOutputTokens, 'maxOutputTokens')) * prices.output
}

function unknownModelSchedule(options: WorstCaseCostOptions, inputTokens: number): PriceSchedule {
  const query = { provider: options.provider, model: options.model, at: options.at }
  const fallback = options.table.unknownModelPrice?.(query)
  if (fallback === undefined) throw new PriceNotFoundError(query)
  return fallback.entry === undefined ? fallback.schedule : scheduleForPrompt(fallback.entry, inputTokens, options.serviceTier).schedule
}

/** A reservation must never be free by accident: a count that is not a finite non-negative number is a bug in the caller. */
function wholeCount(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`worstCaseCost: ${name} must be a finite non-negative number, got ${value}`)
  return Math.ceil(value)
}
