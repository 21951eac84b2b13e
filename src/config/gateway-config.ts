import { z } from 'zod'

/*
 * The `gateway` part of the config file: where the gateway listens, its limits, and
 * its virtual keys. Strict objects, so a misspelt option is reported rather than
 * silently replaced by its default, and a bound on every number and list.
 */

const mebibyte = 1024 * 1024
const maximumMilliseconds = 86_400_000

/** A key's name is the span tag `switchyard.tag.key` and a budget match value, so kept plain. */
export const virtualKeyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'key names are 1-64 letters, digits, "-", "_" and ".", starting with a letter or digit')

export const virtualKeyHashSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits; make a key and its hash with `switchyard keys create --name <name>`')

const tagKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'tag keys are 1-64 letters, digits, "-", "_" and "."')
  .refine((key) => key !== 'key', 'the tag "key" is reserved: the gateway sets it to the key\'s name')

const rateLimitSchema = z.strictObject({
  requestsPerMinute: z.number().int().positive().max(100_000_000).optional(),
  tokensPerMinute: z.number().int().positive().max(1_000_000_000_000).optional(),
})

export const virtualKeyConfigSchema = z.strictObject({
  name: virtualKeyNameSchema,
  hash: virtualKeyHashSchema,
  /** Route names or `provider/model` targets this key may call; absent: every one. */
  routes: z.array(z.string().min(1).max(400)).max(256).optional(),
  /** Reporting tags every call made with this key carries (`switchyard.tag.<key>`). */
  tags: z
    .record(tagKeySchema, z.string().min(1).max(256))
    .refine((tags) => Object.keys(tags).length <= 32, 'a key carries at most 32 tags')
    .optional(),
  rateLimit: rateLimitSchema.optional(),
})

export const gatewayConfigSchema = z.strictObject({
  host: z.string().min(1).max(253).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  keys: z
    .array(virtualKeyConfigSchema)
    .max(10_000)
    .default([])
    .superRefine((keys, context) => {
      const names = new Map<string, number>()
      const hashes = new Map<string, number>()
      keys.forEach((key, index) => {
        const sameName = names.get(key.name)
        if (sameName === undefined) names.set(key.name, index)
        else context.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the name of keys[${sameName}] ("${key.name}"); key names must be unique` })
        const sameHash = hashes.get(key.hash)
        if (sameHash === undefined) hashes.set(key.hash, index)
        else context.addIssue({ code: 'custom', path: [index, 'hash'], message: `repeats the hash of keys[${sameHash}]; give each key its own secret` })
      })
    }),
  /** The largest request body read; a bigger one is answered 413 before it is parsed. */
  maxBodyBytes: z.number().int().min(1).max(256 * mebibyte).default(16 * mebibyte),
  /** Requests the gateway serves at once. */
  maxConcurrentRequests: z.number().int().min(1).max(100_000).default(512),
  /** How long a shutdown waits for requests in flight before closing them. */
  shutdownTimeoutMs: z.number().int().min(0).max(maximumMilliseconds).default(30_000),
  /** The longest one request may take end to end, streams included. */
  requestTimeoutMs: z.number().int().min(1).max(maximumMilliseconds).default(600_000),
})

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>
/** What a user writes, before defaults are applied. */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
export type VirtualKeyConfig = z.infer<typeof virtualKeyConfigSchema>
