import { z } from 'zod'
import type { Usage } from '../../model-call/usage.js'

const count = z.number().nullish()

/** Gemini's `usageMetadata`. */
export const geminiUsageSchema = z.object({
  promptTokenCount: count,
  candidatesTokenCount: count,
  cachedContentTokenCount: count,
  thoughtsTokenCount: count,
  toolUsePromptTokenCount: count,
})

export type GeminiUsage = z.infer<typeof geminiUsageSchema>

/**
 * Normalizes Gemini usage. `promptTokenCount` already includes the cached
 * tokens; `candidatesTokenCount` EXCLUDES `thoughtsTokenCount`, which is billed
 * as output, so output = candidates + thoughts and reasoning = thoughts. The
 * prompt of built-in tools (`toolUsePromptTokenCount`) is also outside
 * `promptTokenCount` (the total is prompt + candidates + tool prompt + thoughts)
 * and is billed as input, so it is added to input.
 */
export function geminiUsage(usage: GeminiUsage): Usage {
  const thoughts = usage.thoughtsTokenCount ?? 0
  return {
    inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    outputTokens: (usage.candidatesTokenCount ?? 0) + thoughts,
    cacheReadInputTokens: usage.cachedContentTokenCount ?? 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: thoughts,
  }
}
