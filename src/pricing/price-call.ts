import type { Usage } from '../model-call/usage.js'
import { formatUsd } from './format-usd.js'
import { parseUsd } from './parse-usd.js'
import type { PriceKind, PriceSchedule } from './price-schedule.js'
import type { PriceTable } from './price-table.js'
import { scheduleForPrompt, type PriceTier, type ScheduleForPrompt } from './schedule-for-prompt.js'
import { splitUsage, type UsageFlag } from './split-usage.js'

/** `switchyard.cost.source`: where a call's cost came from. */
export type CostSource = 'catalog' | 'provider' | 'estimate' | 'unknown'

export type CostFlag = UsageFlag | 'provider_cost_rounded' | 'provider_cost_invalid' | 'service_tier_unpriced' | 'unknown_model'

/** One billed token class: how many tokens, at what price, for how many pico-USD. */
export interface CostLine {
  tokens: number
  /** The price applied, USD per million tokens; absent when the model has no price. */
  usdPerMillion?: string
  units: bigint
}

export interface CostBreakdown {
  /** The tier the catalog price was taken from; absent when no entry prices the model. */
  tier?: PriceTier
  /** The service tier whose own prices were used (`flex`, `priority`, `batch`); absent for standard prices. */
  serviceTier?: string
  uncachedInput: CostLine
  cacheRead: CostLine
  cacheWrite5m: CostLine
  cacheWrite1h: CostLine
  /** Output, reasoning included. */
  output: CostLine
  /** The reasoning part of the output tokens (billed as output, counted once). */
  reasoningTokens: number
  /** The catalog cost (sum of the lines); differs from costUnits when the provider's billed figure won. */
  catalogUnits: bigint
  flags: CostFlag[]
}

export interface PriceResult {
  /** Cost in pico-USD (1e-12 USD). */
  costUnits: bigint
  /** The same cost as an exact decimal string of USD, for `switchyard.cost.usd`. */
  costUsd: string
  source: CostSource
  /** `switchyard.price.version`: the entry whose prices were used, when one was. */
  priceVersion?: string
  breakdown: CostBreakdown
}

export interface PriceCallOptions {
  table: PriceTable
  provider: string
  model: string
  /** Normalized usage (input includes cached tokens, output includes reasoning). */
  usage: Usage
  /** When the call happened. */
  at: Date
  /** The usage is an estimate (a cut stream): a catalog price then has source `estimate`. */
  estimated?: boolean
  /** The service tier the provider says served the call; an entry's prices for that tier apply. */
  serviceTier?: string
}

/**
 * Prices one model call exactly, in integer pico-USD. A billed figure the
 * provider reported (`usage.providerCostUsd`, OpenRouter's `usage.cost`) wins
 * with source `provider`. Otherwise the entry in force at `at` prices each
 * token class once: uncached input, cache reads, 5-minute and 1-hour cache
 * writes, and output with reasoning inside it, at the prices of the service
 * tier that served the call and at the long-context tier when the prompt
 * exceeds its threshold. A model without a price is counted under the table's
 * unknown-model policy (by default the provider's dearest prices) with source
 * `estimate` and a price version starting `unknown_model:`; only when the policy
 * gives no price does it cost 0 with source `unknown`. Either way it is warned
 * about once through the OpenTelemetry diagnostics logger.
 */
export function priceCall(options: PriceCallOptions): PriceResult {
  const split = splitUsage(options.usage)
  // The split's flags are a fresh array: the result keeps it rather than a copy.
  const flags: CostFlag[] = split.flags
  const query = { provider: options.provider, model: options.model, at: options.at }
  const lookup = options.table.find(query)
  const fallback = lookup.found ? undefined : options.table.unknownModelPrice?.(query)
  const entry = lookup.found ? lookup.entry : fallback?.entry
  let priced: ScheduleForPrompt | undefined
  if (entry !== undefined) priced = scheduleForPrompt(entry, split.inputTokens, options.serviceTier)
  else if (fallback !== undefined) priced = { tier: 'base', schedule: fallback.schedule }
  const schedule = priced?.schedule
  const uncachedInput = costLine(split.uncachedInputTokens, schedule, 'input')
  const cacheRead = costLine(split.cacheReadTokens, schedule, 'cachedInput')
  const cacheWrite5m = costLine(split.cacheWrite5mTokens, schedule, 'cacheWrite5m')
  const cacheWrite1h = costLine(split.cacheWrite1hTokens, schedule, 'cacheWrite1h')
  const output = costLine(split.outputTokens, schedule, 'output')
  const catalogUnits = uncachedInput.units + cacheRead.units + cacheWrite5m.units + cacheWrite1h.units + output.units
  // Written out rather than spread from the lines: on Node 20, `{ ...lines, more }` takes a slow path of several µs.
  const breakdown: CostBreakdown = { uncachedInput, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoningTokens: split.reasoningTokens, catalogUnits, flags }
  if (priced !== undefined) breakdown.tier = priced.tier
  if (priced?.serviceTier !== undefined) breakdown.serviceTier = priced.serviceTier
  if (priced?.serviceTierUnpriced === true) flags.push('service_tier_unpriced')

  const billed = options.usage.providerCostUsd === undefined ? undefined : parseUsd(options.usage.providerCostUsd)
  if (options.usage.providerCostUsd !== undefined && billed === undefined) flags.push('provider_cost_invalid')
  if (billed !== undefined) {
    if (billed.rounded) flags.push('provider_cost_rounded')
    return { costUnits: billed.units, costUsd: formatUsd(billed.units), source: 'provider', breakdown }
  }
  if (!lookup.found) {
    flags.push('unknown_model')
    options.table.unknownModelWarnings.warnOnce({ ...query, reason: lookup.reason, countedAs: fallback?.description })
    if (fallback === undefined) return { costUnits: 0n, costUsd: '0', source: 'unknown', breakdown }
    return { costUnits: catalogUnits, costUsd: formatUsd(catalogUnits), source: 'estimate', priceVersion: fallback.version, breakdown }
  }
  return {
    costUnits: catalogUnits,
    costUsd: formatUsd(catalogUnits),
    source: options.estimated === true ? 'estimate' : 'catalog',
    priceVersion: lookup.entry.version,
    breakdown,
  }
}

/** One token class's line; no tokens cost 0n without a bigint multiplication (a runtime call on Node 20). */
function costLine(tokens: number, schedule: PriceSchedule | undefined, kind: PriceKind): CostLine {
  if (schedule === undefined) return { tokens, units: 0n }
  return { tokens, usdPerMillion: schedule.usdPerMillion[kind], units: tokens === 0 ? 0n : BigInt(tokens) * schedule.unitsPerToken[kind] }
}
