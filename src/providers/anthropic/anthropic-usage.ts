import { z } from 'zod'
import type { Usage } from '../../model-call/usage.js'

const count = z.number().nullish()

/** Anthropic's usage object, as in a message, `message_start` and `message_delta`. */
export const anthropicUsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: z.object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count }).nullish(),
  output_tokens_details: z.object({ thinking_tokens: count }).nullish(),
  // Any type: an odd tier is dropped by serviceTier(), never a reason to refuse the answer.
  service_tier: z.unknown().optional(),
})

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>

/**
 * Normalizes Anthropic usage. Anthropic's `input_tokens` EXCLUDES the tokens read
 * from and written to the cache, so input = input + cache read + cache write.
 * Thinking tokens are inside `output_tokens`; `output_tokens_details.thinking_tokens`
 * (in a stream, in the final `message_delta`) says how many, and is reasoning.
 */
export function anthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0
  const cacheWrite = usage.cache_creation_input_tokens ?? 0
  return {
    inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    cacheWrite1hInputTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    reasoningOutputTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
  }
}

/**
 * Merges a `message_delta` usage into what `message_start` reported. Every
 * field is cumulative, so a field present in the update replaces the old one:
 * never summed.
 */
export function mergeAnthropicUsage(previous: AnthropicUsage, update: AnthropicUsage): AnthropicUsage {
  const merged: AnthropicUsage = { ...previous }
  for (const [key, value] of Object.entries(update) as [keyof AnthropicUsage, AnthropicUsage[keyof AnthropicUsage]][]) {
    if (value !== null && value !== undefined) Object.assign(merged, { [key]: value })
  }
  return merged
}
