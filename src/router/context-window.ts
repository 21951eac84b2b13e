import type { ModelCallRequest } from '../model-call/model-call-request.js'
import type { ContextFit } from './select-targets.js'

/**
 * Context windows (prompt + output tokens) of current models, from the providers'
 * model pages. A model not listed is assumed to fit: the check exists to skip a
 * target that certainly cannot take the request, not to guess. A route target can
 * state its own `contextWindow`.
 */
const knownContextWindows: readonly [RegExp, number][] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^gpt-4o/, 128_000],
  [/^o[134](-mini)?/, 200_000],
  [/^claude-(opus|sonnet|haiku)-4/, 200_000],
  [/^claude-3-5-haiku/, 200_000],
  [/^gemini-2\.[05]-(pro|flash)/, 1_048_576],
  [/^llama-3\.[13]-8b-instant/, 131_072],
]

export function contextWindowOf(model: string): number | undefined {
  const bare = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model
  return knownContextWindows.find(([pattern]) => pattern.test(bare))?.[1]
}

/** A cheap upper-side estimate of a request's prompt tokens: about 4 characters a token. */
export function estimatePromptTokens(request: Pick<ModelCallRequest, 'messages' | 'tools'>): number {
  let characters = 0
  for (const message of request.messages) {
    characters += 8
    if (typeof message.content === 'string') characters += message.content.length
    else if (Array.isArray(message.content)) {
      for (const part of message.content) characters += part.type === 'text' ? part.text.length : 1000
    }
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) characters += call.name.length + call.arguments.length
  }
  if (request.tools !== undefined) characters += JSON.stringify(request.tools).length
  return Math.ceil(characters / 4)
}

export function fitsContextWindow(options: { model: string; contextWindow?: number; promptTokens: number; maxTokens?: number }): ContextFit {
  const window = options.contextWindow ?? contextWindowOf(options.model)
  if (window === undefined) return { fits: true }
  const needed = options.promptTokens + (options.maxTokens ?? 0)
  if (needed <= window) return { fits: true }
  return { fits: false, reason: `needs ~${needed} tokens, ${options.model} takes ${window}` }
}
