import type { Usage } from '../model-call/usage.js'

/** Something about a call's usage that did not add up, and was corrected rather than billed negative. */
export type UsageFlag =
  | 'invalid_token_count'
  | 'cache_read_exceeds_input'
  | 'cache_write_exceeds_input'
  | 'cache_write_1h_exceeds_cache_write'
  | 'reasoning_exceeds_output'

/** The disjoint token classes a call is billed for; they add up to input + output exactly. */
export interface UsageSplit {
  /** All prompt tokens, cached ones included: decides the long-context tier. */
  inputTokens: number
  uncachedInputTokens: number
  cacheReadTokens: number
  cacheWrite5mTokens: number
  cacheWrite1hTokens: number
  /** Output tokens, reasoning included. */
  outputTokens: number
  /** The reasoning part of the output, for the breakdown; billed as output. */
  reasoningTokens: number
  flags: UsageFlag[]
}

/**
 * Splits normalized usage (GenAI conventions: input includes cache reads and
 * writes, output includes reasoning) into disjoint classes, so that nothing
 * is billed twice or missed: uncached input = input − cache read − cache
 * write, 5-minute writes = writes − 1-hour writes. Counts that do not add up
 * (a cache read larger than the input) are clamped and flagged; a negative,
 * fractional or non-finite count becomes a whole non-negative number.
 */
export function splitUsage(usage: Usage): UsageSplit {
  const flags: UsageFlag[] = []
  const inputTokens = wholeCount(usage.inputTokens, flags)
  const outputTokens = wholeCount(usage.outputTokens, flags)
  let cacheRead = wholeCount(usage.cacheReadInputTokens, flags)
  let cacheWrite = wholeCount(usage.cacheWriteInputTokens, flags)
  let cacheWrite1h = wholeCount(usage.cacheWrite1hInputTokens, flags)
  let reasoning = wholeCount(usage.reasoningOutputTokens, flags)
  if (cacheRead > inputTokens) {
    flags.push('cache_read_exceeds_input')
    cacheRead = inputTokens
  }
  if (cacheWrite > inputTokens - cacheRead) {
    flags.push('cache_write_exceeds_input')
    cacheWrite = inputTokens - cacheRead
  }
  if (cacheWrite1h > cacheWrite) {
    flags.push('cache_write_1h_exceeds_cache_write')
    cacheWrite1h = cacheWrite
  }
  if (reasoning > outputTokens) {
    flags.push('reasoning_exceeds_output')
    reasoning = outputTokens
  }
  return {
    inputTokens,
    uncachedInputTokens: inputTokens - cacheRead - cacheWrite,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: cacheWrite - cacheWrite1h,
    cacheWrite1hTokens: cacheWrite1h,
    outputTokens,
    reasoningTokens: reasoning,
    flags,
  }
}

/** A count as a whole non-negative number, flagging (once) a count that was not one. */
function wholeCount(value: number, flags: UsageFlag[]): number {
  const whole = Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0
  if (whole !== value && !flags.includes('invalid_token_count')) flags.push('invalid_token_count')
  return whole
}
