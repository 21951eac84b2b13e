import { z } from 'zod'
import { decimalString } from '../decimal-string.js'
import { isNullish, isNullishNumber, isWireObject } from '../parse-wire.js'
import type { Usage } from '../../model-call/usage.js'

const count = z.number().nullish()

/**
 * Chat Completions usage, with the extensions of OpenAI-compatible hosts that we
 * read: OpenRouter's billed `cost` and `cache_write_tokens`, DeepSeek's
 * `prompt_cache_hit_tokens`.
 */
export const chatCompletionsUsageSchema = z.object({
  prompt_tokens: count,
  completion_tokens: count,
  prompt_tokens_details: z.object({ cached_tokens: count, cache_write_tokens: count }).nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: count }).nullish(),
  prompt_cache_hit_tokens: count,
  cost: z.union([z.number(), z.string()]).nullish(),
})

export type ChatCompletionsUsage = z.infer<typeof chatCompletionsUsageSchema>

/** Usage that chatCompletionsUsageSchema accepts as it is, field for field: the fast path of parseWireFast. */
export function isCommonChatCompletionsUsage(value: unknown): value is ChatCompletionsUsage {
  return isWireObject(value)
    && isNullishNumber(value.prompt_tokens)
    && isNullishNumber(value.completion_tokens)
    && (isNullish(value.prompt_tokens_details) || isCommonPromptDetails(value.prompt_tokens_details))
    && (isNullish(value.completion_tokens_details) || isCommonCompletionDetails(value.completion_tokens_details))
    && isNullishNumber(value.prompt_cache_hit_tokens)
    && (isNullishNumber(value.cost) || typeof value.cost === 'string')
}

function isCommonPromptDetails(value: unknown): boolean {
  return isWireObject(value) && isNullishNumber(value.cached_tokens) && isNullishNumber(value.cache_write_tokens)
}

function isCommonCompletionDetails(value: unknown): boolean {
  return isWireObject(value) && isNullishNumber(value.reasoning_tokens)
}

/**
 * Normalizes Chat Completions usage. `prompt_tokens` already includes cached
 * tokens and `completion_tokens` already includes reasoning tokens, so they are
 * taken as they are and the details only say how much of each was cached or
 * reasoning.
 */
export function chatCompletionsUsage(usage: ChatCompletionsUsage): Usage {
  const normalized: Usage = {
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadInputTokens: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? 0,
    cacheWriteInputTokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  }
  const cost = providerCost(usage.cost)
  if (cost !== undefined) normalized.providerCostUsd = cost
  return normalized
}

function providerCost(cost: number | string | null | undefined): string | undefined {
  if (typeof cost === 'number') return Number.isFinite(cost) ? decimalString(cost) : undefined
  if (typeof cost === 'string' && /^\d+(\.\d+)?$/.test(cost)) return cost
  return undefined
}

/** Responses API usage. */
export const responsesUsageSchema = z.object({
  input_tokens: count,
  input_tokens_details: z.object({ cached_tokens: count, cache_write_tokens: count }).nullish(),
  output_tokens: count,
  output_tokens_details: z.object({ reasoning_tokens: count }).nullish(),
})

export type ResponsesUsage = z.infer<typeof responsesUsageSchema>

/** Normalizes Responses API usage; as in Chat Completions, input includes cached and output includes reasoning. */
export function responsesUsage(usage: ResponsesUsage): Usage {
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteInputTokens: usage.input_tokens_details?.cache_write_tokens ?? 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
  }
}
