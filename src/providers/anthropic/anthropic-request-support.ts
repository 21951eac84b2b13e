import type { ModelCallRequest } from '../../model-call/model-call-request.js'
import type { UnsupportedField } from '../unsupported-request-error.js'
import { anthropicThinking } from './anthropic-thinking.js'
import { claudeAtLeast } from './claude-version.js'

/** The smallest `thinking.budget_tokens` the Messages API takes. */
export const minimumThinkingBudget = 1024

/**
 * The first field of `request` a Claude model cannot serve, or undefined:
 * - `responseFormat` `json_object`: the Messages API has no schema-less JSON mode
 *   (ask for `json_schema`); `json_schema` needs structured outputs, which Claude
 *   Opus 4.1, Sonnet 4.5, Haiku 4.5 and later have;
 * - `reasoning` on a model without extended thinking (before Claude 3.7 Sonnet),
 *   a budget (when thinking is budgeted) under 1024 tokens or not under `maxTokens`, or beside a `toolChoice`
 *   that forces a tool, which the API refuses with thinking on.
 * A model whose name does not say its generation is taken as a current one.
 */
export function anthropicUnsupportedField(request: ModelCallRequest): UnsupportedField | undefined {
  const format = request.responseFormat
  if (format?.type === 'json_object') {
    return { field: 'responseFormat', reason: 'Anthropic has no JSON mode without a schema; ask for json_schema' }
  }
  if (format !== undefined && !claudeAtLeast(request.model, 4, 1)) {
    return { field: 'responseFormat', reason: `structured outputs need Claude Opus 4.1, Sonnet 4.5, Haiku 4.5 or later, not ${request.model}` }
  }
  return request.reasoning === undefined ? undefined : reasoningUnsupported(request)
}

function reasoningUnsupported(request: ModelCallRequest): UnsupportedField | undefined {
  if (!claudeAtLeast(request.model, 3, 7)) {
    return { field: 'reasoning', reason: `${request.model} has no extended thinking (Claude 3.7 Sonnet and later have it)` }
  }
  const budget = anthropicThinking(request.model, request.reasoning ?? {}).budgetTokens
  if (budget !== undefined && budget < minimumThinkingBudget) {
    return { field: 'reasoning.budgetTokens', reason: `Anthropic takes a thinking budget of at least ${minimumThinkingBudget} tokens, not ${budget}` }
  }
  if (budget !== undefined && request.maxTokens !== undefined && budget >= request.maxTokens) {
    return { field: 'reasoning.budgetTokens', reason: `the thinking budget (${budget}) must be under maxTokens (${request.maxTokens}), which it counts against` }
  }
  const choice = request.toolChoice
  if (choice === 'required' || typeof choice === 'object') {
    return { field: 'toolChoice', reason: 'Anthropic refuses a forced tool choice with extended thinking on' }
  }
  return undefined
}
