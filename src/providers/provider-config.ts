import { z } from 'zod'
import { simulatedOptionsSchema } from './simulated/simulated-options.js'

const headersSchema = z.record(z.string(), z.string())

/** Settings every HTTP provider shares. */
const httpSettings = {
  /** Filled from the environment (OPENAI_API_KEY, ...) by the config module, never read here. */
  apiKey: z.string().min(1).optional(),
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  headers: headersSchema.optional(),
  /** Longest wait for response headers, and longest silence within a body, in ms. */
  timeoutMs: z.number().int().positive().optional(),
  /** Keep-alive connections per provider at most (default 32). */
  connections: z.number().int().positive().optional(),
}

const openaiConfigSchema = z.strictObject({
  type: z.literal('openai'),
  ...httpSettings,
  organization: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
})

const anthropicConfigSchema = z.strictObject({
  type: z.literal('anthropic'),
  ...httpSettings,
  anthropicVersion: z.string().min(1).optional(),
  /** Sent as `max_tokens` when a request sets none (default 4096); the Messages API requires one. */
  defaultMaxTokens: z.number().int().positive().optional(),
  /** Beta features, sent as the `anthropic-beta` header. */
  betas: z.array(z.string().min(1)).optional(),
})

const geminiConfigSchema = z.strictObject({
  type: z.literal('gemini'),
  ...httpSettings,
  apiVersion: z.string().min(1).optional(),
})

const openaiCompatibleConfigSchema = z.strictObject({
  type: z.literal('openai-compatible'),
  ...httpSettings,
  baseURL: z.url({ protocol: /^https?$/ }),
  /** The name on spans; default: the provider's name in the config. */
  providerName: z.string().min(1).optional(),
  authStyle: z.enum(['bearer', 'api-key', 'none']).optional(),
  /** Azure OpenAI: `{ "api-version": "2024-10-21" }`. */
  query: z.record(z.string(), z.string()).optional(),
  maxTokensField: z.enum(['max_completion_tokens', 'max_tokens']).optional(),
  developerRole: z.enum(['developer', 'system']).optional(),
})

const simulatedConfigSchema = z.strictObject({
  type: z.literal('simulated'),
  ...simulatedOptionsSchema.shape,
})

/**
 * One provider of the router's config, by wire format. Unknown keys are
 * errors here (a typo in a config file should fail at start), unlike the wire
 * schemas, which ignore what they do not read.
 */
export const providerConfigSchema = z.discriminatedUnion('type', [
  openaiConfigSchema,
  anthropicConfigSchema,
  geminiConfigSchema,
  openaiCompatibleConfigSchema,
  simulatedConfigSchema,
])

export type ProviderConfig = z.infer<typeof providerConfigSchema>
