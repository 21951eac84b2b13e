import { z } from 'zod'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { serviceTier } from '../service-tier.js'
import { anthropicFinishReason } from './anthropic-finish-reason.js'
import { anthropicUsage, anthropicUsageSchema } from './anthropic-usage.js'

/** A `message` object of the Messages API, reading only what we use. */
export const anthropicMessageSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z
    .array(
      z.object({
        type: z.string(),
        text: z.string().nullish(),
        id: z.string().nullish(),
        name: z.string().nullish(),
        input: z.unknown().optional(),
        thinking: z.string().nullish(),
        signature: z.string().nullish(),
        data: z.string().nullish(),
      }),
    )
    .nullish(),
  stop_reason: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
})

export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>

/**
 * Normalizes a non-streamed message: text blocks joined, `tool_use` blocks as tool
 * calls, `thinking` and `redacted_thinking` blocks kept as they came on `reasoning`
 * (their text is not the answer's), to go back on the next turn.
 */
export function anthropicResult(message: AnthropicMessage, context: ProviderErrorContext): ModelCallResult {
  const blocks = message.content ?? []
  const result: ModelCallResult = {
    id: message.id ?? '',
    model: message.model || context.model,
    text: blocks
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join(''),
    toolCalls: blocks
      .filter((block) => block.type === 'tool_use')
      .map((block, index) => ({
        id: block.id ?? `call_${index}`,
        name: block.name ?? '',
        arguments: JSON.stringify(block.input ?? {}),
      })),
    finishReason: anthropicFinishReason(message.stop_reason),
    rawFinishReason: message.stop_reason ?? '',
    usage: message.usage ? anthropicUsage(message.usage) : emptyUsage(),
  }
  const tier = serviceTier(message.usage?.service_tier)
  if (tier !== undefined) result.serviceTier = tier
  const reasoning = blocks.flatMap(reasoningBlockOf)
  if (reasoning.length > 0) result.reasoning = reasoning
  return result
}

function reasoningBlockOf(block: NonNullable<AnthropicMessage['content']>[number]): ReasoningBlock[] {
  if (block.type === 'thinking') return [{ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' }]
  if (block.type === 'redacted_thinking') return [{ type: 'redacted_thinking', data: block.data ?? '' }]
  return []
}
