import { z } from 'zod'
import { budgetListSchema } from '../budget/budget-config.js'
import { providerConfigSchema } from '../providers/create-provider.js'
import { unknownModelPolicySchema } from '../pricing/unknown-model-policy.js'
import { sharedConfigSchema } from '../config/shared-config.js'

/*
 * The shape of `createRouter(config)`. Every number has a bound: a typo such as
 * `attempts: 1000` or `cooldownMs: 1e12` fails at start instead of turning into a
 * retry storm or a timer that Node fires at once (setTimeout overflows past 2^31 ms).
 * Router-owned objects are strict, so a misspelt option (`attemps`) is reported
 * rather than silently replaced by its default.
 */

/** The longest delay or timeout any option may ask for: one day, well under setTimeout's limit. */
const maximumMilliseconds = 86_400_000

const milliseconds = z.number().int().min(0).max(maximumMilliseconds)
const positiveMilliseconds = z.number().int().min(1).max(maximumMilliseconds)

/** Names become span attributes and target keys (`provider/model`), so keep them plain. */
export const providerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'provider names use letters, digits, "-", "_" and "." only')
  .max(64)

export const routeStrategySchema = z.enum(['fallback', 'weighted', 'latency', 'cost'])

export const routeTargetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1).max(256),
  /** Only on `weighted` routes; a missing weight counts as 1, and 0 keeps a target as a last resort only. */
  weight: z.number().min(0).max(1_000_000).optional(),
  /** Prompt + output tokens the model takes, when switchyard's list does not know it (or knows better). */
  contextWindow: z.number().int().positive().max(100_000_000).optional(),
})

export const retryConfigSchema = z.strictObject({
  /** Calls to one target before moving on to the next, the first call included; 1 disables retries. */
  attempts: z.number().int().min(1).max(10).default(3),
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs: milliseconds.default(250),
  maxDelayMs: milliseconds.default(8_000),
  /** A provider asking us to wait longer than this gets skipped for the next target instead. */
  maxRetryAfterMs: milliseconds.default(30_000),
  /**
   * Retries and fallbacks allowed per first attempt, over `budgetWindowMs`: with 0.2 an
   * outage turns 100 requests into at most ~120 calls rather than 100 × attempts × targets.
   */
  budgetRatio: z.number().min(0).max(1).default(0.2),
  /** Retries always allowed regardless of traffic, so a quiet service can still retry. */
  minimumRetriesPerSecond: z.number().min(0).max(1_000).default(3),
  budgetWindowMs: positiveMilliseconds.default(10_000),
})

export const timeoutConfigSchema = z.strictObject({
  /** One call to one target, from sending the request to its last byte. */
  attemptMs: positiveMilliseconds.default(60_000),
  /** A stream that yields nothing for this long is abandoned (and may be retried elsewhere). */
  firstTokenMs: positiveMilliseconds.default(20_000),
  /** The whole routed request, across retries, backoff and fallbacks. */
  totalMs: positiveMilliseconds.default(120_000),
})

export const breakerConfigSchema = z.strictObject({
  /** Consecutive failures that open the breaker of a target. */
  failureThreshold: z.number().int().min(1).max(1_000).default(5),
  /** Share of failed calls over `windowMs` that opens it, once `minimumRequests` calls were seen. */
  errorRateThreshold: z.number().gt(0).max(1).default(0.5),
  windowMs: positiveMilliseconds.default(30_000),
  minimumRequests: z.number().int().min(1).max(100_000).default(10),
  /** How long an open breaker skips its target before letting one probe call through. */
  cooldownMs: positiveMilliseconds.default(15_000),
})

export const hedgeConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Start a hedge after this long without a first token; default: the target's recent p95 time to first token. */
  delayMs: milliseconds.optional(),
  maxHedges: z.number().int().min(1).max(3).default(1),
})

export const routeConfigSchema = z
  .strictObject({
    strategy: routeStrategySchema.default('fallback'),
    targets: z.array(routeTargetSchema).min(1, 'a route needs at least one target').max(16),
    // prefault, not default: zod 4 returns a default as is, while a prefault is parsed
    // and so gets each field's own default.
    retry: retryConfigSchema.prefault({}),
    timeouts: timeoutConfigSchema.prefault({}),
    breaker: breakerConfigSchema.prefault({}),
    hedge: hedgeConfigSchema.prefault({}),
  })
  // Checks within one route live here rather than on the whole config, so they
  // still run, and are reported in the same pass, when another route is broken.
  .superRefine((route, context) => {
    if (route.retry.maxDelayMs < route.retry.baseDelayMs) {
      context.addIssue({
        code: 'custom',
        path: ['retry', 'maxDelayMs'],
        message: `must be at least baseDelayMs (${route.retry.baseDelayMs}), got ${route.retry.maxDelayMs}`,
      })
    }
    const seen = new Map<string, number>()
    route.targets.forEach((target, index) => {
      if (target.weight !== undefined && route.strategy !== 'weighted') {
        context.addIssue({
          code: 'custom',
          path: ['targets', index, 'weight'],
          message: `weights apply only to weighted routes; this route's strategy is "${route.strategy}"`,
        })
      }
      const key = `${target.provider}/${target.model}`
      const first = seen.get(key)
      if (first === undefined) {
        seen.set(key, index)
      } else {
        context.addIssue({
          code: 'custom',
          path: ['targets', index],
          message: `repeats targets[${first}] (${key}); use retry.attempts to call a target more than once`,
        })
      }
    })
    if (route.strategy === 'weighted' && route.targets.every((target) => (target.weight ?? 1) === 0)) {
      context.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'a weighted route needs at least one target with a weight above 0',
      })
    }
  })

export const routerConfigSchema = z
  .strictObject({
    providers: z
      .record(providerNameSchema, providerConfigSchema)
      .refine((providers) => Object.keys(providers).length > 0, 'configure at least one provider'),
    routes: z.record(z.string().min(1).max(128), routeConfigSchema).default({}),
    budgets: budgetListSchema.default([]),
    /** `chdb://<dir>` or `http(s)://user:pass@host:8123/db`; validated by src/store. */
    store: z.string().min(1).optional(),
    /** A collector's base URL whose spend endpoint (/v1/spend) budgets read, when its store is embedded in it. */
    spendEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** A Redis shared by many router processes: budget reservations checked and held across all of them (src/budget/README.md). */
    shared: sharedConfigSchema.optional(),
    serviceName: z.string().min(1).max(256).optional(),
    /**
     * Record prompt and completion text on this router's spans (`gen_ai.input.messages`,
     * `gen_ai.output.messages`). Unset: what the entry point chose for the process
     * (`startTelemetry()` reads OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT), else
     * off. The library never reads the environment itself, so two routers may differ.
     */
    captureMessageContent: z.boolean().optional(),
    /** Price table additions and overrides; entries are validated by src/pricing, which names a bad one. */
    prices: z
      .strictObject({
        entries: z.array(z.unknown()).max(10_000).optional(),
        overrides: z.array(z.unknown()).max(10_000).optional(),
        file: z.string().min(1).optional(),
        providerAliases: z.record(z.string(), z.string()).optional(),
        /** What a call to a model without a price counts as: see src/pricing/unknown-model-policy.ts. */
        unknownModel: unknownModelPolicySchema.optional(),
      })
      .optional(),
  })
  .superRefine((config, context) => {
    const configured = Object.keys(config.providers).join(', ')
    for (const [routeName, route] of Object.entries(config.routes)) {
      route.targets.forEach((target, index) => {
        if (Object.hasOwn(config.providers, target.provider)) return
        context.addIssue({
          code: 'custom',
          path: ['routes', routeName, 'targets', index, 'provider'],
          message: `names provider "${target.provider}", which is not configured (configured: ${configured})`,
        })
      })
    }
  })

export type RouterConfig = z.infer<typeof routerConfigSchema>
/** What a user writes, before defaults are applied. */
export type RouterConfigInput = z.input<typeof routerConfigSchema>
export type RouteConfig = z.infer<typeof routeConfigSchema>
export type RouteStrategy = z.infer<typeof routeStrategySchema>
export type RouteTarget = z.infer<typeof routeTargetSchema>
export type RetryConfig = z.infer<typeof retryConfigSchema>
export type TimeoutConfig = z.infer<typeof timeoutConfigSchema>
export type BreakerConfig = z.infer<typeof breakerConfigSchema>
export type HedgeConfig = z.infer<typeof hedgeConfigSchema>
