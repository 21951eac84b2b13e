import type { ReasoningOptions } from '../../model-call/reasoning-options.js'
import { effortBudgets, reasoningBudget } from '../reasoning-budget.js'
import { claudeAtLeast } from './claude-version.js'

/** How one request turns on extended thinking. */
export interface AnthropicThinking {
  /** The `thinking` field. */
  config: Record<string, unknown>
  /** `output_config.effort`, for adaptive thinking. */
  effort?: 'low' | 'medium' | 'high'
  /** Tokens added to the default `max_tokens` when the request sets none: thinking counts against it. */
  reserveTokens: number
  /** The budget sent, when thinking is budgeted (`type: 'enabled'`). */
  budgetTokens?: number
}

/**
 * Thinking for a Claude model. From the 4.6 generation on, an effort without a
 * budget is adaptive thinking (`thinking: { type: 'adaptive' }` with
 * `output_config.effort`; `minimal` is sent as `low`, the least the API has), as
 * the official SDK warns that budgeted thinking is deprecated there. Otherwise,
 * and whenever a budget is given, it is `{ type: 'enabled', budget_tokens }`, the
 * budget the caller's or the one the effort stands for (reasoningBudget).
 */
export function anthropicThinking(model: string, reasoning: ReasoningOptions): AnthropicThinking {
  if (reasoning.budgetTokens === undefined && reasoning.effort !== undefined && takesAdaptive(model)) {
    const effort = reasoning.effort === 'minimal' ? 'low' : reasoning.effort
    return { config: { type: 'adaptive' }, effort, reserveTokens: effortBudgets[reasoning.effort] }
  }
  const budget = reasoningBudget(reasoning)
  return { config: { type: 'enabled', budget_tokens: budget }, reserveTokens: budget, budgetTokens: budget }
}

function takesAdaptive(model: string): boolean {
  return model.includes('mythos') || claudeAtLeast(model, 4, 6)
}
