import type { Usage } from '../model-call/usage.js'
import { countCharacters, tokensForCharacters } from './estimate-output-tokens.js'

interface CutStreamUsageBase {
  /** Usage the stream reported before it was cut (Anthropic's `message_start` has the input), if any. */
  partialUsage?: Usage
  /** Prompt size known by other means (counted before the call), used when the partial usage has none. */
  inputTokens?: number
}

/**
 * What a cut stream delivered: its text, or how many code points that text was
 * (countCharacters), for a caller that counts the deltas as they arrive.
 */
export type CutStreamUsageOptions = CutStreamUsageBase & ({ outputText: string; outputCharacters?: never } | { outputCharacters: number; outputText?: never })

/**
 * The usage to bill a cut stream with: what the provider reported, with the
 * output raised to an estimate from the delivered text when the report is
 * missing or lower. Price it with `priceCall({ ..., estimated: true })` so the
 * cost is recorded with source `estimate`.
 */
export function estimateCutStreamUsage(options: CutStreamUsageOptions): Usage {
  const partial = options.partialUsage
  const reportedInput = partial?.inputTokens ?? 0
  const usage: Usage = {
    inputTokens: reportedInput > 0 ? reportedInput : (options.inputTokens ?? 0),
    outputTokens: Math.max(partial?.outputTokens ?? 0, tokensForCharacters(options.outputCharacters ?? countCharacters(options.outputText))),
    cacheReadInputTokens: partial?.cacheReadInputTokens ?? 0,
    cacheWriteInputTokens: partial?.cacheWriteInputTokens ?? 0,
    cacheWrite1hInputTokens: partial?.cacheWrite1hInputTokens ?? 0,
    reasoningOutputTokens: partial?.reasoningOutputTokens ?? 0,
  }
  return usage
}
