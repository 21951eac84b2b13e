import { z } from 'zod'

/**
 * The `shared` part of the config file: a Redis that many switchyard processes share
 * for budget reservations and rate limits. Only the shape for now; nothing connects yet.
 */
export const sharedConfigSchema = z.strictObject({
  url: z.string().max(2048).pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  /** When Redis does not answer: `local` counts in this process alone, `block` refuses what it would have counted. */
  onUnavailable: z.enum(['local', 'block']).default('local'),
})

export type SharedConfig = z.infer<typeof sharedConfigSchema>
