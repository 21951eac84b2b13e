import { countCharacters, tokensForCharacters } from './estimate-output-tokens.js'

/**
 * The input tokens of texts sent to be embedded, estimated as every other
 * estimate here is (⌈code points / 4⌉ each): for the worst case a budget reserves
 * before an embeddings call, and for the cost of one whose provider reports no
 * usage (Gemini), which is then priced with source `estimate`.
 */
export function estimateInputTokens(texts: readonly string[]): number {
  let tokens = 0
  for (const text of texts) tokens += tokensForCharacters(countCharacters(text))
  return tokens
}
