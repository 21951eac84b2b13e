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
  let characters = 0
  for (const _character of text) characters += 1
  return Math.ceil(characters / charactersPerToken)
}
