import type { Usage } from '../../src/model-call/usage.js'

/** Normalized usage with every count not given at zero. */
export function normalizedUsage(counts: Partial<Usage>): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: 0,
    ...counts,
  }
}
