import { z } from 'zod'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import { readErrorDetails } from '../error-details.js'
import {
  type FastWireSchema,
  isNullish,
  isNullishArrayOf,
  isNullishString,
  isWireObject,
} from '../parse-wire.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import { serviceTier } from '../service-tier.js'
import { openaiFinishReason } from './openai-finish-reason.js'
import { chatCompletionsUsage, chatCompletionsUsageSchema, isCommonChatCompletionsUsage } from './openai-usage.js'

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
  // Any type: an odd tier is dropped by serviceTier(), never a reason to refuse the answer.
  service_tier: z.unknown().optional(),
  // Some hosts (OpenRouter) answer 200 with an error object instead of a completion.
  error: z.unknown().optional(),
})

export type ChatCompletion = z.infer<typeof chatCompletionSchema>

/** chatCompletionSchema with a check of the common shape, for parseWireFast. */
export const chatCompletionWire: FastWireSchema<typeof chatCompletionSchema> = {
  schema: chatCompletionSchema,
  isCommon: isCommonChatCompletion,
}

// Field for field as in chatCompletionSchema.
function isCommonChatCompletion(value: unknown): value is ChatCompletion {
  return isCommonCompletionEnvelope(value, isCommonChoice)
}

/**
 * The fields an answer and a stream chunk share (`id`, `model`, `choices`, `usage`,
 * `error`; `service_tier` takes any value), each choice checked by `isChoice`. An error object is not common: it goes
 * to zod, since readErrorDetails reads the parsed value and would find top-level
 * `message`, `type` and `code` in the input that zod's copy lacks.
 */
export function isCommonCompletionEnvelope(value: unknown, isChoice: (choice: unknown) => boolean): boolean {
  return isWireObject(value)
    && isNullishString(value.id)
    && isNullishString(value.model)
    && isNullishArrayOf(value.choices, isChoice)
    && (isNullish(value.usage) || isCommonChatCompletionsUsage(value.usage))
    && isNullish(value.error)
}

function isCommonChoice(value: unknown): boolean {
  return isWireObject(value)
    && (isNullish(value.message) || isCommonMessage(value.message))
    && isNullishString(value.finish_reason)
}

function isCommonMessage(value: unknown): boolean {
  return isWireObject(value) && isNullishString(value.content) && isNullishArrayOf(value.tool_calls, isCommonToolCall)
}

function isCommonToolCall(value: unknown): boolean {
  return isWireObject(value)
    && isNullishString(value.id)
    && (isNullish(value.function) || isCommonFunction(value.function))
}

/** A tool call's `function` (whole or a delta): `name` and `arguments`, each a nullable string. */
export function isCommonFunction(value: unknown): boolean {
  return isWireObject(value) && isNullishString(value.name) && isNullishString(value.arguments)
}

/** Normalizes a non-streamed completion (its first choice). */
export function chatCompletionResult(completion: ChatCompletion, context: ProviderErrorContext): ModelCallResult {
  if (completion.error !== undefined && completion.error !== null) {
    throw providerErrorFromDetails(readErrorDetails(completion), context)
  }
  const choice = completion.choices?.[0]
  const toolCalls = (choice?.message?.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index}`,
    name: call.function?.name ?? '',
    arguments: call.function?.arguments || '{}',
  }))
  const result: ModelCallResult = {
    id: completion.id ?? '',
    model: completion.model || context.model,
    text: choice?.message?.content ?? '',
    toolCalls,
    finishReason: openaiFinishReason(choice?.finish_reason),
    rawFinishReason: choice?.finish_reason ?? '',
    usage: completion.usage ? chatCompletionsUsage(completion.usage) : emptyUsage(),
  }
  const tier = serviceTier(completion.service_tier)
  if (tier !== undefined) result.serviceTier = tier
  return result
}
