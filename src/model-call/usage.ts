/**
 * Token usage normalized to the OpenTelemetry GenAI conventions: `inputTokens`
 * INCLUDES cached (read and write) tokens, `outputTokens` INCLUDES reasoning tokens.
 * Each adapter converts its provider's numbers to this once, next to its parser.
 */
export interface Usage {
  inputTokens: number
  outputTokens: number
  cacheReadInputTokens: number
  cacheWriteInputTokens: number
  /** Anthropic bills 1-hour cache writes differently from 5-minute ones; part of cacheWriteInputTokens. */
  cacheWrite1hInputTokens: number
  reasoningOutputTokens: number
  /** A billed cost the provider reported itself (OpenRouter's `usage.cost`), as a decimal string in USD. */
  providerCostUsd?: string
}
