import { z } from 'zod'

const distributionSchema = z.object({
  medianMs: z.number().nonnegative(),
  p95Ms: z.number().nonnegative(),
})

/** One scripted fault. */
export const simulatedFaultSchema = z.discriminatedUnion('type', [
  /** An HTTP 5xx: 503 and 529 read as `overloaded`, others as `server_error`. */
  z.object({ type: z.literal('server_error'), status: z.number().int().min(500).max(599).optional() }),
  /** An HTTP 429 with a Retry-After. */
  z.object({ type: z.literal('rate_limit'), retryAfterMs: z.number().nonnegative().optional() }),
  /** Hang until the caller's signal aborts (or `hangMs` passes without one). */
  z.object({ type: z.literal('timeout') }),
  /** A stream that stops after this many text chunks; for `chat()`, a connection reset. */
  z.object({ type: z.literal('stream_cut'), afterChunks: z.number().int().nonnegative().optional() }),
])

export type SimulatedFault = z.infer<typeof simulatedFaultSchema>

/** Scripted faults: by call number (1 is the first call), or at random with per-call probabilities. */
export const simulatedFaultsSchema = z.object({
  schedule: z.array(z.object({ call: z.number().int().positive(), fault: simulatedFaultSchema })).optional(),
  probability: z
    .object({
      serverError: z.number().min(0).max(1).optional(),
      rateLimit: z.number().min(0).max(1).optional(),
      timeout: z.number().min(0).max(1).optional(),
      streamCut: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /** Retry-After of random rate limits. */
  retryAfterMs: z.number().nonnegative().optional(),
})

export type SimulatedFaults = z.infer<typeof simulatedFaultsSchema>

/** What can be configured of a simulated model (no functions: it is also config-file material). */
export const simulatedOptionsSchema = z.object({
  seed: z.number().int().optional(),
  /** The name on spans; default `simulated`. */
  providerName: z.string().min(1).optional(),
  timeToFirstTokenMs: distributionSchema.optional(),
  /** Whole-call latency; a stream spreads what remains after the first token over its chunks. */
  latencyMs: distributionSchema.optional(),
  outputTokens: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }).optional(),
  /** Tokens per streamed text chunk. */
  chunkTokens: z.number().int().positive().optional(),
  /** Share of the input reported as read from the cache. */
  cachedInputRatio: z.number().min(0).max(1).optional(),
  /** How long a `timeout` fault hangs when the request has no signal. */
  hangMs: z.number().nonnegative().optional(),
  faults: simulatedFaultsSchema.optional(),
  /**
   * Time windows, from the provider's creation, that replace the faults or latencies
   * above: an outage from 10 s to 20 s, a slow spell ... (the demo's scenarios).
   */
  phases: z
    .array(
      z.object({
        fromMs: z.number().nonnegative(),
        toMs: z.number().nonnegative(),
        faults: simulatedFaultsSchema.optional(),
        latencyMs: distributionSchema.optional(),
        timeToFirstTokenMs: distributionSchema.optional(),
      }),
    )
    .max(100)
    .optional(),
})

export type SimulatedOptions = z.infer<typeof simulatedOptionsSchema>
