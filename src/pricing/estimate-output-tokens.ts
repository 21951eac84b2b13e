/** Characters per token assumed for estimates: about 4 for English text with the tokenizers of GPT, Claude and Gemini. */
export const charactersPerToken = 4

/**
 * Estimates how many tokens a text is, for a stream cut before the provider
 * reported its usage: ⌈characters / 4⌉, counting Unicode code points. It is
 * a rough figure (code and non-Latin scripts run denser), so costs priced
 * from it carry `switchyard.cost.source=estimate`. Reasoning that was never
 * streamed cannot be seen and is not counted.
 */
export function estimateOutputTokens(text: string): number {
  return tokensForCharacters(countCharacters(text))
}

/** The estimate of estimateOutputTokens for a text of `characters` code points. */
export function tokensForCharacters(characters: number): number {
  return Math.ceil(characters / charactersPerToken)
}

/**
 * The Unicode code points in `text`, as `for (const c of text)` counts them: a
 * surrogate pair is one, a lone surrogate is one. A stream adds up its deltas with
 * it as they arrive, instead of counting the whole text again at every check.
 */
export function countCharacters(text: string): number {
  let characters = text.length
  const last = text.length - 1
  for (let index = 0; index < last; index += 1) {
    const code = text.charCodeAt(index)
    if (code < 0xd800 || code > 0xdbff) continue
    const next = text.charCodeAt(index + 1)
    if (next >= 0xdc00 && next <= 0xdfff) {
      characters -= 1
      index += 1
    }
  }
  return characters
}
