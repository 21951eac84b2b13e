import { emptyUsage } from '../model-call/empty-usage.js'
import type { FinishReason } from '../model-call/finish-reason.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { ToolCall } from '../model-call/tool-call.js'
import type { Usage } from '../model-call/usage.js'
import { isRecord, numberOrUndefined, stringOrUndefined } from './wire-value.js'

/**
 * Usage of an AI SDK language model call, in either spec: v3 (`ai@6`) nests
 * `inputTokens.{total, cacheRead, cacheWrite}` and `outputTokens.{total,
 * reasoning}`; v2 (`ai@5`) has flat counts with `cachedInputTokens` and
 * `reasoningTokens`. Totals already include cached input and reasoning output, as
 * the GenAI conventions count them. Undefined when the provider reported none.
 */
export function aiSdkUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined
  const { inputTokens: input, outputTokens: output } = usage
  if (isRecord(input) || isRecord(output)) {
    const inputs = isRecord(input) ? input : {}
    const outputs = isRecord(output) ? output : {}
    const inputTotal = numberOrUndefined(inputs.total)
    const outputTotal = numberOrUndefined(outputs.total)
    if (inputTotal === undefined && outputTotal === undefined) return undefined
    return {
      ...emptyUsage(),
      inputTokens: inputTotal ?? 0,
      outputTokens: outputTotal ?? 0,
      cacheReadInputTokens: numberOrUndefined(inputs.cacheRead) ?? 0,
      cacheWriteInputTokens: numberOrUndefined(inputs.cacheWrite) ?? 0,
      reasoningOutputTokens: numberOrUndefined(outputs.reasoning) ?? 0,
    }
  }
  const inputTokens = numberOrUndefined(input)
  const outputTokens = numberOrUndefined(output)
  if (inputTokens === undefined && outputTokens === undefined) return undefined
  return {
    ...emptyUsage(),
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    cacheReadInputTokens: numberOrUndefined(usage.cachedInputTokens) ?? 0,
    reasoningOutputTokens: numberOrUndefined(usage.reasoningTokens) ?? 0,
  }
}

const unifiedReasons: Record<string, FinishReason> = {
  'stop': 'stop',
  'length': 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  'error': 'error',
}

/** The finish reason of a v3 (`{ unified, raw }`) or v2 (a word) result, with the provider's own word when known. */
export function aiSdkFinishReason(value: unknown): { finishReason: FinishReason; raw: string } {
  const unified = isRecord(value) ? stringOrUndefined(value.unified) : stringOrUndefined(value)
  const raw = isRecord(value) ? stringOrUndefined(value.raw) : undefined
  return { finishReason: unifiedReasons[unified ?? ''] ?? 'other', raw: raw ?? unified ?? '' }
}

/** The normalized answer of a `doGenerate` result: its text parts joined and its tool calls. */
export function aiSdkGenerateResult(result: unknown, requestModel: string): { result: ModelCallResult; usage: Usage | undefined } {
  const fields = isRecord(result) ? result : {}
  const content = Array.isArray(fields.content) ? fields.content.filter(isRecord) : []
  const response = isRecord(fields.response) ? fields.response : {}
  const finish = aiSdkFinishReason(fields.finishReason)
  const usage = aiSdkUsage(fields.usage)
  const toolCalls: ToolCall[] = content
    .filter((part) => part.type === 'tool-call')
    .map((part, index) => ({
      id: stringOrUndefined(part.toolCallId) ?? `call_${index}`,
      name: stringOrUndefined(part.toolName) ?? '',
      arguments: stringOrUndefined(part.input) ?? '{}',
    }))
  return {
    result: {
      id: stringOrUndefined(response.id) ?? '',
      model: stringOrUndefined(response.modelId) || requestModel,
      text: content.filter((part) => part.type === 'text').map((part) => stringOrUndefined(part.text) ?? '').join(''),
      toolCalls,
      finishReason: finish.finishReason,
      rawFinishReason: finish.raw,
      usage: usage ?? emptyUsage(),
    },
    usage,
  }
}
