import { charactersPerToken } from '../pricing/estimate-output-tokens.js'

/**
 * A prompt's size in tokens, roughly, from its JSON text: for pricing a call
 * whose usage never came and for the worst case a budget reserves before a call.
 */
export function promptTokens(prompt: unknown): number {
  try {
    return Math.ceil((JSON.stringify(prompt) ?? '').length / charactersPerToken)
  } catch {
    return 0
  }
}
