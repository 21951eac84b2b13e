import type { Usage } from './usage.js'

/** Usage with every count at zero: the start of accumulation, and what a call with no reported usage costs. */
export function emptyUsage(): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: 0,
  }
}
