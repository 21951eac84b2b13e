import { z } from 'zod'

/**
 * The `shared` part of the config file: a Redis that many switchyard processes share
 * for budget reservations and rate limits (src/budget/README.md, "Shared reservations").
 */
export const sharedConfigSchema = z.strictObject({
  url: z.string().max(2048).pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  /** When Redis does not answer: `local` counts in this process alone, `block` refuses what it would have counted. */
  onUnavailable: z.enum(['local', 'block']).default('local'),
  /** Room Redis grants a busy process ahead of its calls, so most are admitted without a round trip. */
  headroom: z.strictObject({
    /** Below this rate of calls in a budget a process holds no headroom (default 100 a second). */
    minCallsPerSecond: z.number().finite().min(0).max(1_000_000).optional(),
    /** The most one process holds, as a share of what the budget has left (default 0.05; 0 turns headroom off). */
    maxShareOfRoom: z.number().min(0).max(0.5).optional(),
  }).optional(),
})

export type SharedConfig = z.infer<typeof sharedConfigSchema>
