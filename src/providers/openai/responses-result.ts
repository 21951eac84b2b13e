import { z } from 'zod'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { FinishReason } from '../../model-call/finish-reason.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import { serviceTier } from '../service-tier.js'
import { responsesUsage, responsesUsageSchema } from './openai-usage.js'

/** One item of a response's `output` (message, function_call, reasoning, ...). */
export const responseOutputItemSchema = z.object({
  type: z.string(),
  id: z.string().nullish(),
  encrypted_content: z.string().nullish(),
  summary: z.array(z.object({ type: z.string(), text: z.string().nullish() })).nullish(),
  call_id: z.string().nullish(),
  name: z.string().nullish(),
  arguments: z.string().nullish(),
  content: z.array(z.object({ type: z.string(), text: z.string().nullish() })).nullish(),
})

/** A `response` object of the Responses API, reading only what we use. */
export const responseSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  status: z.string().nullish(),
  output: z.array(responseOutputItemSchema).nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  usage: responsesUsageSchema.nullish(),
  // Any type: an odd tier is dropped by serviceTier(), never a reason to refuse the answer.
  service_tier: z.unknown().optional(),
})

export type ResponseObject = z.infer<typeof responseSchema>

/**
 * Normalizes a finished response: the text of its `output_text` parts, its
 * `function_call` items, a finish reason from `status` and
 * `incomplete_details.reason`, and usage; `reasoning` items are kept (id, summary,
 * encrypted content) to go back as input items on the next turn. A `failed`
 * response is an error.
 */
export function responsesResult(response: ResponseObject, context: ProviderErrorContext): ModelCallResult {
  if (response.status === 'failed') {
    throw providerErrorFromDetails(
      { code: response.error?.code ?? 'server_error', message: response.error?.message ?? 'the response failed' },
      context,
    )
  }
  const output = response.output ?? []
  const text = output
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content ?? [])
    .filter((part) => part.type === 'output_text')
    .map((part) => part.text ?? '')
    .join('')
  const toolCalls = output
    .filter((item) => item.type === 'function_call')
    .map((item, index) => ({
      id: item.call_id ?? `call_${index}`,
      name: item.name ?? '',
      arguments: item.arguments || '{}',
    }))
  const incompleteReason = response.incomplete_details?.reason
  const result: ModelCallResult = {
    id: response.id ?? '',
    model: response.model || context.model,
    text,
    toolCalls,
    finishReason: finishReason(response.status, incompleteReason, toolCalls.length > 0),
    rawFinishReason: incompleteReason ?? response.status ?? '',
    usage: response.usage ? responsesUsage(response.usage) : emptyUsage(),
  }
  const tier = serviceTier(response.service_tier)
  if (tier !== undefined) result.serviceTier = tier
  const reasoning = output.flatMap(reasoningItem)
  if (reasoning.length > 0) result.reasoning = reasoning
  return result
}

function reasoningItem(item: z.infer<typeof responseOutputItemSchema>): ReasoningBlock[] {
  if (item.type !== 'reasoning' || !item.id) return []
  const block: ReasoningBlock = {
    type: 'openai_reasoning',
    id: item.id,
    summary: (item.summary ?? []).filter((part) => part.type === 'summary_text').map((part) => part.text ?? ''),
  }
  if (item.encrypted_content) block.encryptedContent = item.encrypted_content
  return [block]
}

function finishReason(status: string | null | undefined, reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  if (status === 'completed') return hasToolCalls ? 'tool_calls' : 'stop'
  if (reason === 'max_output_tokens') return 'length'
  if (reason === 'content_filter') return 'content_filter'
  return 'other'
}
