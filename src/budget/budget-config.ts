import { z } from 'zod'
import { formatUsd } from '../pricing/format-usd.js'
import { parseDecimal } from '../pricing/parse-decimal.js'
import { parseUsd } from '../pricing/parse-usd.js'

/*
 * The shape of one entry of `config.budgets`. Budget-owned objects are strict, so a
 * misspelt option (`onStoreUnavaliable`) fails at start instead of being ignored; every
 * number has a bound. Amounts are parsed exactly into pico-USD (src/pricing/format-usd.ts):
 * a limit of "0.1" is 100_000_000_000 units, never 0.1000000000000000055.
 */

/** Rolling windows: the spend of the last 15 minutes, hour, day, week or 30 days. */
export const rollingWindowSchema = z.enum(['15m', '1h', '24h', '7d', '30d'])

const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as "UTC", "America/New_York" or "Asia/Kolkata"')

/** Calendar windows: the current day or month in `timeZone`, reset at its local midnight. */
export const calendarWindowSchema = z.strictObject({
  calendar: z.enum(['day', 'month']),
  timeZone: timeZoneSchema.default('UTC'),
})

export const budgetWindowSchema = z.union([rollingWindowSchema, calendarWindowSchema], {
  error: 'window must be "15m", "1h", "24h", "7d" or "30d", or { calendar: "day" | "month", timeZone: "<IANA zone>" }',
})

/**
 * The most `tag.<key>` conditions of one match, a budget's or a `/v1/spend` request's.
 * Budgets match a tenant, a user or a feature, a handful of tags; each one is another
 * map lookup per call row scanned.
 */
export const maxMatchTagKeys = 16

/**
 * Which calls a budget counts: keys `workflow`, `step`, `provider` (the span's
 * `gen_ai.provider.name`), `model` (requested model; in the store also the response
 * model, so `gpt-4.1-mini*` covers dated snapshots) and `tag.<key>`. Values are exact
 * names or patterns where `*` stands for any run of characters. No keys: every call.
 * At most maxMatchTagKeys `tag.<key>` keys.
 */
export const budgetMatchSchema = z
  .record(
    z.string().regex(/^(workflow|step|provider|model|tag\.[^\s*]{1,128})$/, 'match keys are workflow, step, provider, model or tag.<key>'),
    z.string().min(1).max(256),
  )
  .superRefine((match, context) => {
    const tagKeys = Object.keys(match).filter((key) => key.startsWith('tag.')).length
    if (tagKeys > maxMatchTagKeys) {
      context.addIssue({ code: 'custom', message: `has ${tagKeys} tag.<key> conditions; a match takes at most ${maxMatchTagKeys}` })
    }
  })

/** A USD amount as a JSON number (`50`, `0.25`) or a decimal string (`"0.000125"`), exact to the pico-USD. */
export const usdAmountSchema = z.union([z.number(), z.string()]).transform((value, context) => {
  const text = typeof value === 'number' ? numberText(value) : value.trim()
  const parsed = text === undefined ? undefined : parseUsd(text)
  if (parsed === undefined || parsed.rounded) {
    context.addIssue({ code: 'custom', message: `must be a USD amount with at most 12 decimal places, such as 50 or "0.25" (got ${JSON.stringify(value)})` })
    return z.NEVER
  }
  if (parsed.units === 0n) {
    context.addIssue({ code: 'custom', message: 'must be above 0' })
    return z.NEVER
  }
  return parsed.units
})

/** A share of the limit with at most 6 decimal places (0.8 is 80%), kept as millionths so comparisons stay exact. */
const shareSchema = z
  .number()
  .gt(0)
  .max(100)
  .refine((value) => parseDecimal(numberText(value) ?? '', 6) !== undefined, 'use at most 6 decimal places')

export const budgetActionSchema = z.strictObject({
  /** Share of the limit the call could reach (spent + its worst case) for the action to apply. */
  at: shareSchema,
  do: z.union([z.enum(['warn', 'block']), z.strictObject({ downgrade: z.string().min(1).max(128) })], {
    error: 'do must be "warn", "block" or { downgrade: "<route name>" }',
  }),
})

export const budgetConfigSchema = z
  .strictObject({
    /** Recorded on spans as `switchyard.budget.name`, so kept plain. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'budget names use letters, digits, "-", "_", "." and ":" only')
      .max(128),
    match: budgetMatchSchema.default({}),
    window: budgetWindowSchema,
    limitUsd: usdAmountSchema,
    actions: z.array(budgetActionSchema).min(1).max(16).default([{ at: 1, do: 'block' }]),
    /**
     * What happens once the store has not answered for `maxStalenessMs`: `allow` goes on
     * with the last figure plus this process's own spend (and still refuses calls those
     * alone put over the limit); `block` refuses every call the budget matches.
     */
    onStoreUnavailable: z.enum(['allow', 'block']).default('allow'),
    /** How old the store's figure may be before `onStoreUnavailable` applies. */
    maxStalenessMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
    /** End a stream cleanly (and mark it) when it would cross this budget's block threshold. */
    stopStreamAtLimit: z.boolean().default(false),
  })
  .transform(({ limitUsd, ...budget }) => ({
    ...budget,
    /** The limit as an exact decimal string of USD, for spans and messages. */
    limitUsd: formatUsd(limitUsd),
    /** The limit in pico-USD. */
    limitUnits: limitUsd,
  }))

/** A list of budgets: names must be unique, since they key the ledger and the spans. */
export const budgetListSchema = z
  .array(budgetConfigSchema)
  .max(1_000)
  .superRefine((budgets, context) => {
    const seen = new Map<string, number>()
    budgets.forEach((budget, index) => {
      const first = seen.get(budget.name)
      if (first === undefined) {
        seen.set(budget.name, index)
        return
      }
      context.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the name of budgets[${first}] ("${budget.name}"); budget names must be unique` })
    })
  })

export type BudgetConfig = z.output<typeof budgetConfigSchema>
/** What a user writes, before defaults are applied. */
export type BudgetConfigInput = z.input<typeof budgetConfigSchema>
export type BudgetWindow = z.output<typeof budgetWindowSchema>
export type RollingWindow = z.output<typeof rollingWindowSchema>
export type CalendarWindow = z.output<typeof calendarWindowSchema>
export type BudgetMatch = z.output<typeof budgetMatchSchema>
export type BudgetActionConfig = z.output<typeof budgetActionSchema>

/** The plain decimal text of a JSON number, or undefined for one JavaScript prints with an exponent. */
function numberText(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined
  const text = String(value)
  return /e/i.test(text) ? undefined : text
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

/** An action's share in millionths of the limit: `0.8` is 800_000n. */
export function shareMillionths(at: number): bigint {
  const parsed = parseDecimal(numberText(at) ?? '', 6)
  if (parsed === undefined) throw new RangeError(`not a share with at most 6 decimal places: ${at}`)
  return parsed
}
