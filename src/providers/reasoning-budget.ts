import type { ReasoningEffort, ReasoningOptions } from '../model-call/reasoning-options.js'

/**
 * The thinking budget an effort stands for where a provider takes a budget
 * (Anthropic, Gemini 2.5): minimal is Anthropic's floor of 1024 tokens, high is
 * the most every Gemini 2.5 model takes (Flash stops at 24576), and low and
 * medium sit between them. Chosen by switchyard, not by any provider: a caller
 * who cares sets `budgetTokens`.
 */
export const effortBudgets: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 4096,
  medium: 12_288,
  high: 24_576,
}

/** The budget to send: the caller's own, or the one the effort stands for. */
export function reasoningBudget(reasoning: ReasoningOptions): number {
  return reasoning.budgetTokens ?? effortBudgets[reasoning.effort ?? 'medium']
}

/** The effort to send where a provider takes one (OpenAI, Gemini 3): the caller's own, or the lowest whose budget covers `budgetTokens`. */
export function reasoningEffort(reasoning: ReasoningOptions): ReasoningEffort {
  if (reasoning.effort !== undefined) return reasoning.effort
  const budget = reasoning.budgetTokens
  if (budget === undefined) return 'medium'
  const efforts: ReasoningEffort[] = ['minimal', 'low', 'medium', 'high']
  return efforts.find((effort) => budget <= effortBudgets[effort]) ?? 'high'
}
