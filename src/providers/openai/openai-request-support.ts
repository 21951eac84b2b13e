import type { ProviderRequest } from '../provider.js'
import { requestImages } from '../request-images.js'
import type { UnsupportedField } from '../unsupported-request-error.js'

/** A request feature an OpenAI-format host may lack. */
export type HostFeature = 'json_schema' | 'json_object' | 'reasoning' | 'image_url' | 'image_data' | 'parallel_tool_calls'

/** A feature a host lacks, and why, in words that end up in the error. */
export interface HostLack {
  feature: HostFeature
  reason: string
}

export interface OpenAIRequestSupport {
  providerType: 'openai' | 'openai-compatible'
  lacks: readonly HostLack[]
}

// GPT-4-generation and older chat models take no `reasoning_effort` (OpenAI answers 400 "Unrecognized request argument").
const nonReasoningModel = /^(?:gpt-4|gpt-3\.5|chatgpt-4o)/

/**
 * The first field of `request` an OpenAI-format target cannot serve: stop sequences
 * on the Responses API, a feature its host preset lacks, or, on OpenAI itself,
 * reasoning asked of a GPT-4-generation model. Unknown models and hosts without a preset are given the benefit of the doubt.
 */
export function openaiUnsupportedField(request: ProviderRequest, support: OpenAIRequestSupport): UnsupportedField | undefined {
  if (request.api === 'responses' && request.stop !== undefined && request.stop.length > 0) {
    return { field: 'stop', reason: 'the Responses API has no stop sequences (Chat Completions has)' }
  }
  const lack = (feature: HostFeature) => support.lacks.find((item) => item.feature === feature)
  const format = request.responseFormat
  const formatLack = format === undefined ? undefined : lack(format.type)
  if (formatLack !== undefined) return { field: 'responseFormat', reason: formatLack.reason }
  if (request.reasoning !== undefined) {
    const reasoningLack = lack('reasoning')
    if (reasoningLack !== undefined) return { field: 'reasoning', reason: reasoningLack.reason }
    if (support.providerType === 'openai' && nonReasoningModel.test(request.model)) {
      return { field: 'reasoning', reason: `${request.model} is not a reasoning model and takes no reasoning_effort` }
    }
  }
  if (request.parallelToolCalls !== undefined) {
    const parallelLack = lack('parallel_tool_calls')
    if (parallelLack !== undefined) return { field: 'parallelToolCalls', reason: parallelLack.reason }
  }
  const images = requestImages(request)
  const imageLack = (images.url ? lack('image_url') : undefined) ?? (images.data ? lack('image_data') : undefined)
  if (imageLack !== undefined) return { field: 'messages[].content (image)', reason: imageLack.reason }
  return undefined
}
