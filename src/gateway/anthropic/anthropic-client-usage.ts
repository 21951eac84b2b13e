import type { Usage } from '../../model-call/usage.js'

/** Usage in the Messages API's words, as a message and a `message_delta` carry it. */
export interface AnthropicClientUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
  /** switchyard's addition: the call's exact cost in USD, a decimal string (a stream's headers leave before it is known). */
  cost_usd: string
}

/**
 * switchyard's usage in Anthropic's convention, which differs from the GenAI one:
 * Anthropic's `input_tokens` EXCLUDES the tokens read from and written to the cache,
 * so they are taken out again (never below zero, for a provider whose counts disagree).
 * The cost rides beside the counts as `cost_usd`, as in the OpenAI format's usage.
 */
export function anthropicClientUsage(usage: Usage, costUsd: string): AnthropicClientUsage {
  const cacheRead = usage.cacheReadInputTokens
  const cacheWrite = usage.cacheWriteInputTokens
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: Math.max(0, cacheWrite - usage.cacheWrite1hInputTokens),
      ephemeral_1h_input_tokens: usage.cacheWrite1hInputTokens,
    },
    cost_usd: costUsd,
  }
}
