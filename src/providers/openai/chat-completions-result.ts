import { z } from 'zod'
import { emptyUsage } from '../empty-usage.js'
import { readErrorDetails } from '../error-details.js'
import type { ProviderResult } from '../provider.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import { openaiFinishReason } from './openai-finish-reason.js'
import { chatCompletionsUsage, chatCompletionsUsageSchema } from './openai-usage.js'

const toolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
})

/** A `chat.completion` object, reading only what we use. */
export const chatCompletionSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z
          .object({ content: z.string().nullish(), tool_calls: z.array(toolCallSchema).nullish() })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: chatCompletionsUsageSchema.nullish(),
  // Some hosts (OpenRouter) answer 200 with an error object instead of a completion.
  error: z.unknown().optional(),
})

export type ChatCompletion = z.infer<typeof chatCompletionSchema>

/** Normalizes a non-streamed completion (its first choice). */
export function chatCompletionResult(completion: ChatCompletion, context: ProviderErrorContext): ProviderResult {
  if (completion.error !== undefined && completion.error !== null) {
    throw providerErrorFromDetails(readErrorDetails(completion), context)
  }
  const choice = completion.choices?.[0]
  const toolCalls = (choice?.message?.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index}`,
    name: call.function?.name ?? '',
    arguments: call.function?.arguments || '{}',
  }))
  return {
    id: completion.id ?? '',
    model: completion.model || context.model,
    text: choice?.message?.content ?? '',
    toolCalls,
    finishReason: openaiFinishReason(choice?.finish_reason),
    rawFinishReason: choice?.finish_reason ?? '',
    usage: completion.usage ? chatCompletionsUsage(completion.usage) : emptyUsage(),
  }
}
