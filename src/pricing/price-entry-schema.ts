import { z } from 'zod'

/**
 * Prices are USD per million tokens, written as decimal strings so that no
 * float ever touches money. Six decimal places are the most a pico-USD unit
 * represents exactly per token (see format-usd.ts).
 */
const usdPerMillion = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal string of USD per million tokens with at most 6 decimal places, e.g. "0.075"')

/**
 * The prices of one tier. Optional prices fall back, so that a provider that
 * has no such charge needs no number for it: cache reads and 5-minute cache
 * writes are billed at `input` when absent, 1-hour writes at `cacheWrite5m`.
 */
export const tokenPricesSchema = z.strictObject({
  input: usdPerMillion,
  /** Cache read (cache hit) price. */
  cachedInput: usdPerMillion.optional(),
  /** Cache write price for the default (5-minute) lifetime; Anthropic: 1.25 × input. */
  cacheWrite5m: usdPerMillion.optional(),
  /** Cache write price for the 1-hour lifetime; Anthropic: 2 × input. */
  cacheWrite1h: usdPerMillion.optional(),
  /** Output price; reasoning tokens are part of the output and billed at it. */
  output: usdPerMillion,
})

const effectiveFrom = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/,
    'must be an ISO date such as "2025-09-29" or a UTC date-time such as "2025-09-05T16:00:00Z"',
  )
  .refine(isCalendarDate, 'is not a real calendar date')

/** Date.parse accepts 2026-02-30 and rolls it over; a price date must name a day that exists. */
function isCalendarDate(text: string): boolean {
  const time = Date.parse(text)
  if (Number.isNaN(time)) return false
  return new Date(time).toISOString().slice(0, 10) === text.slice(0, 10)
}

/**
 * One price-table entry: the prices of one model at one provider from a date
 * on. A price change is a new entry with a later `effectiveFrom`; a call is
 * priced with the latest entry whose `effectiveFrom` is not after the call.
 */
export const priceEntrySchema = z.strictObject({
  /** Provider name as in `gen_ai.provider.name` (`openai`, `anthropic`, `gcp.gemini`, `groq`, ...). */
  provider: z.string().trim().min(1),
  /** The model id the provider documents. */
  model: z.string().trim().min(1),
  /** Other ids that name the same model: dated snapshots, `-latest` names, OpenRouter's dotted names. */
  aliases: z.array(z.string().trim().min(1)).default([]),
  /** Stable id of this entry, recorded as `switchyard.price.version`; defaults to `provider/model@effectiveFrom`. */
  version: z.string().trim().min(1).optional(),
  effectiveFrom,
  /** The provider's price page the numbers come from. */
  source: z.url(),
  prices: tokenPricesSchema,
  /** Reasoning tokens are counted in the output and billed at the output price. */
  reasoningBilledAs: z.enum(['output']).default('output'),
  /**
   * A long-context tier: when a request's prompt (input tokens, cached ones
   * included) exceeds the threshold, every token of that request is billed at
   * the tier's prices, output too, as Gemini 2.5 Pro and Claude Sonnet 1M do.
   */
  longContext: z
    .strictObject({
      thresholdInputTokens: z.int().positive(),
      prices: tokenPricesSchema,
    })
    .optional(),
  /** Why a number or a date is what it is. */
  note: z.string().optional(),
})

/** A price entry as written in data or config (defaults not yet applied). */
export type PriceEntryInput = z.input<typeof priceEntrySchema>
/** A validated price entry with defaults applied. */
export type PriceEntryDefinition = z.output<typeof priceEntrySchema>
export type TokenPricesDefinition = z.output<typeof tokenPricesSchema>
