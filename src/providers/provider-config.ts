import { z } from 'zod'
import { hostPresetNames, hostPresets } from './host-presets.js'
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

const openaiCompatibleConfigSchema = z
  .strictObject({
    type: z.literal('openai-compatible'),
    ...httpSettings,
    /** A known host's dialect, auth and address (see host-presets.ts); the fields below override it. */
    preset: z.enum(hostPresetNames).optional(),
    /** Required, unless the preset has a default address (every one but `azure`). */
    baseURL: z.url({ protocol: /^https?$/ }).optional(),
    /** The name on spans; default: the provider's name in the config. */
    providerName: z.string().min(1).optional(),
    authStyle: z.enum(['bearer', 'api-key', 'none']).optional(),
    /** Azure OpenAI: `{ "api-version": "2024-10-21" }` (the azure preset sets it for deployment URLs). */
    query: z.record(z.string(), z.string()).optional(),
    maxTokensField: z.enum(['max_completion_tokens', 'max_tokens']).optional(),
    developerRole: z.enum(['developer', 'system']).optional(),
  })
  .superRefine((config, context) => {
    if (config.baseURL !== undefined) return
    const preset = config.preset === undefined ? undefined : hostPresets[config.preset]
    if (preset?.baseURL !== undefined) return
    context.addIssue({
      code: 'custom',
      path: ['baseURL'],
      message: preset === undefined
        ? 'an openai-compatible provider needs a baseURL (or a preset with a default one)'
        : `the ${config.preset} preset needs a baseURL: ${preset.baseURLShape}`,
    })
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
