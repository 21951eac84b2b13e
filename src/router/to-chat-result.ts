import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { AttemptCall, AttemptCost } from './attempt-call.js'
import type { AttemptRecord, ChatResult } from './chat-request.js'

export interface ToChatResultOptions {
  result: ModelCallResult
  cost: AttemptCost
  call: AttemptCall
  attempts: AttemptRecord[]
  route: string
}

/** What the caller gets of a routed call: the winning attempt's answer and cost, and every attempt made. */
export function toChatResult(options: ToChatResultOptions): ChatResult {
  const { result, cost, call } = options
  const message: ChatResult['message'] = { role: 'assistant', content: result.text, toolCalls: result.toolCalls }
  if (result.thoughtSignature !== undefined) message.thoughtSignature = result.thoughtSignature
  if (result.reasoning !== undefined) message.reasoning = result.reasoning
  return {
    text: result.text,
    message,
    toolCalls: result.toolCalls,
    finishReason: result.finishReason,
    id: result.id,
    usage: result.usage,
    costUsd: cost.costUsd,
    costSource: cost.source,
    provider: call.target.provider,
    model: result.model || call.target.model,
    route: options.route,
    attempts: options.attempts,
  }
}
