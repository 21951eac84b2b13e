import { z } from 'zod'

/**
 * Prices are USD per million tokens, written as decimal strings so that no
 * float ever touches money. Six decimal places are the most a pico-USD unit
 * represents exactly per token (see format-usd.ts).
 */
export const usdPerMillion = z
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

/**
 * A service tier's name as the provider writes it in its answer: OpenAI's
 * `service_tier` (`flex`, `priority`, `scale`), Anthropic's `usage.service_tier`
 * (`priority`, `batch`). Lower case; matched case-insensitively.
 */
export const serviceTierNameSchema = z
  .string()
  .regex(/^[a-z0-9_-]{1,32}$/, 'must be a service tier name such as "flex" or "priority" (lower case, at most 32 characters)')

/**
 * A service tier's own prices, written out in full rather than as a multiplier:
 * OpenAI's priority prices are not one factor of the standard ones across models,
 * and written prices stay exact. `longContext` prices the tier above the entry's
 * long-context threshold; without it such a request is billed at these prices.
 */
const serviceTierPricesSchema = tokenPricesSchema.extend({ longContext: tokenPricesSchema.optional() })

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
  /**
   * Prices of the service tiers that bill differently from the standard one, by
   * the tier name the provider answers with (OpenAI `flex` ≈ 0.5 × and `priority`;
   * Anthropic `batch` 0.5 ×). A call whose answer names a tier listed here is
   * billed at its prices; `default`, `auto` and `standard` (and no tier) are the
   * entry's own `prices`; any other tier is billed at `prices` and flagged.
   */
  serviceTiers: z.record(serviceTierNameSchema, serviceTierPricesSchema).optional(),
  /** Why a number or a date is what it is. */
  note: z.string().optional(),
})

/** A price entry as written in data or config (defaults not yet applied). */
export type PriceEntryInput = z.input<typeof priceEntrySchema>
/** A validated price entry with defaults applied. */
export type PriceEntryDefinition = z.output<typeof priceEntrySchema>
export type TokenPricesDefinition = z.output<typeof tokenPricesSchema>
