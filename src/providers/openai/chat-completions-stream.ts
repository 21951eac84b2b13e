import { z } from 'zod'
import type { StreamAccumulator } from '../drive-stream.js'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { PartialOutput } from '../../model-call/partial-output.js'
import type { Usage } from '../../model-call/usage.js'
import { readErrorDetails } from '../error-details.js'
import {
  type FastWireSchema,
  isNullish,
  isNullishArrayOf,
  isNullishNumber,
  isNullishString,
  isWireObject,
  parseWireFast,
  parseWireJson,
} from '../parse-wire.js'
import type { StreamEvent } from '../provider.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import { serviceTier } from '../service-tier.js'
import type { ServerSentEvent } from '../sse.js'
import { ToolCallAccumulator } from '../tool-call-accumulator.js'
import { isCommonCompletionEnvelope, isCommonFunction } from './chat-completions-result.js'
import { openaiFinishReason } from './openai-finish-reason.js'
import { chatCompletionsUsage, chatCompletionsUsageSchema, isCommonChatCompletionsUsage } from './openai-usage.js'

const chunkSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().nullish(),
                  id: z.string().nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: chatCompletionsUsageSchema.nullish(),
  // Groq puts a stream's usage here, in the last chunk.
  x_groq: z.object({ usage: chatCompletionsUsageSchema.nullish() }).nullish(),
  // Any type: an odd tier is dropped by serviceTier(), never a reason to refuse the answer.
  service_tier: z.unknown().optional(),
  error: z.unknown().optional(),
})

/** The chunk schema with a check of the common shape, for parseWireFast. */
export const chatCompletionChunkWire: FastWireSchema<typeof chunkSchema> = {
  schema: chunkSchema,
  isCommon: isCommonChunk,
}

// Field for field as in chunkSchema.
function isCommonChunk(value: unknown): value is z.output<typeof chunkSchema> {
  return isCommonCompletionEnvelope(value, isCommonChoice)
    && isWireObject(value)
    && (isNullish(value.x_groq) || isCommonGroqExtension(value.x_groq))
}

function isCommonGroqExtension(value: unknown): boolean {
  return isWireObject(value) && (isNullish(value.usage) || isCommonChatCompletionsUsage(value.usage))
}

function isCommonChoice(value: unknown): boolean {
  return isWireObject(value)
    && isNullishNumber(value.index)
    && (isNullish(value.delta) || isCommonDelta(value.delta))
    && isNullishString(value.finish_reason)
}

function isCommonDelta(value: unknown): boolean {
  return isWireObject(value) && isNullishString(value.content) && isNullishArrayOf(value.tool_calls, isCommonToolCallDelta)
}

function isCommonToolCallDelta(value: unknown): boolean {
  return isWireObject(value)
    && isNullishNumber(value.index)
    && isNullishString(value.id)
    && (isNullish(value.function) || isCommonFunction(value.function))
}

/**
 * A streamed Chat Completion: `chat.completion.chunk` events with text and
 * tool-call deltas (by index), a finish reason, then (with `include_usage`) a
 * chunk with empty `choices` and the usage, then `data: [DONE]`. Groq also puts
 * the usage in `x_groq.usage` of its last chunk; `usage` wins when both come.
 */
export class ChatCompletionsStreamAccumulator implements StreamAccumulator {
  #id = ''
  #model = ''
  readonly #textParts: string[] = []
  readonly #toolCalls = new ToolCallAccumulator()
  #finishReason: string | undefined
  #usage: Usage | undefined
  #serviceTier: string | undefined
  #rawServiceTier: unknown
  #done = false

  readonly #context: ProviderErrorContext

  constructor(context: ProviderErrorContext) {
    this.#context = context
  }

  /**
   * `[DONE]` ends the stream; a host that omits it is still complete once it sent
   * the finish reason and the usage, which is all `[DONE]` would confirm.
   */
  get complete(): boolean {
    return this.#done || (this.#finishReason !== undefined && this.#usage !== undefined)
  }

  accept(event: ServerSentEvent): StreamEvent[] {
    if (event.data.trim() === '[DONE]') {
      this.#done = true
      return []
    }
    return this.acceptParsed(parseWireJson(event.data, this.#context))
  }

  acceptParsed(data: unknown): StreamEvent[] {
    const chunk = parseWireFast(data, chatCompletionChunkWire, this.#context)
    if (chunk.error !== undefined && chunk.error !== null) {
      throw providerErrorFromDetails(readErrorDetails(chunk), this.#context)
    }
    if (chunk.id && this.#id === '') this.#id = chunk.id
    if (chunk.model && this.#model === '') this.#model = chunk.model
    // Every chunk repeats the tier: it is checked again only when it changes.
    if (chunk.service_tier !== undefined && chunk.service_tier !== null && chunk.service_tier !== this.#rawServiceTier) {
      this.#rawServiceTier = chunk.service_tier
      this.#serviceTier = serviceTier(chunk.service_tier)
    }
    const events: StreamEvent[] = []
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue
      const text = choice.delta?.content
      if (text) {
        this.#textParts.push(text)
        events.push({ type: 'text-delta', text })
      }
      for (const [position, call] of (choice.delta?.tool_calls ?? []).entries()) {
        const delta = {
          index: call.index ?? position,
          argumentsDelta: call.function?.arguments ?? '',
          ...(call.id ? { id: call.id } : {}),
          ...(call.function?.name ? { name: call.function.name } : {}),
        }
        this.#toolCalls.append(delta)
        events.push({ type: 'tool-call-delta', ...delta })
      }
      if (choice.finish_reason) this.#finishReason = choice.finish_reason
    }
    const usage = chunk.usage ?? chunk.x_groq?.usage
    if (usage) {
      this.#usage = chatCompletionsUsage(usage)
      events.push({ type: 'usage', usage: this.#usage })
    }
    return events
  }

  result(): ModelCallResult {
    const result: ModelCallResult = {
      id: this.#id,
      model: this.#model || this.#context.model,
      text: this.#textParts.join(''),
      toolCalls: this.#toolCalls.toolCalls(),
      finishReason: openaiFinishReason(this.#finishReason),
      rawFinishReason: this.#finishReason ?? '',
      usage: this.#usage ?? emptyUsage(),
    }
    if (this.#serviceTier !== undefined) result.serviceTier = this.#serviceTier
    return result
  }

  partial(): PartialOutput {
    const partial: PartialOutput = { text: this.#textParts.join('') }
    if (this.#usage !== undefined) partial.usage = this.#usage
    return partial
  }
}
