/** How hard a reasoning model should think, in OpenAI's words. */
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high'

/**
 * Reasoning ("thinking") asked of the model: an effort, a token budget, or both.
 * Each provider takes the one it speaks (OpenAI an effort, Anthropic and Gemini
 * 2.5 a budget, Gemini 3 a level) and derives it from the other when only one is
 * given; the adapters document the mapping.
 */
export interface ReasoningOptions {
  effort?: ReasoningEffort
  budgetTokens?: number
}
