import type { FinishReason } from '../../model-call/finish-reason.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { Usage } from '../../model-call/usage.js'
import type { ChatResult } from '../../router/chat-request.js'

/** OpenAI's finish reasons; switchyard's `error` and `other` have no better word than `stop`. */
export function openAIFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return reason === 'length' || reason === 'tool_calls' || reason === 'content_filter' ? reason : 'stop'
}

/** OpenAI's usage object, with the call's exact cost beside it as `cost_usd` (a decimal string). */
export function openAIUsage(usage: Usage, costUsd: string): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens },
    cost_usd: costUsd,
  }
}

export function openAIToolCalls(toolCalls: readonly ToolCall[]): Array<Record<string, unknown>> {
  return toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }))
}

/** A finished call as an OpenAI `chat.completion` object. */
export function encodeOpenAIChatResult(result: ChatResult): unknown {
  const hasToolCalls = result.toolCalls.length > 0
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: hasToolCalls && result.text === '' ? null : result.text,
    refusal: null,
  }
  if (hasToolCalls) message.tool_calls = openAIToolCalls(result.toolCalls)
  return {
    id: result.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: result.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: openAIFinishReason(result.finishReason) }],
    usage: openAIUsage(result.usage, result.costUsd),
  }
}
