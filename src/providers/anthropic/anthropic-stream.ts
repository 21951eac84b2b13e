import { z } from 'zod'
import type { StreamAccumulator } from '../drive-stream.js'
import { readErrorDetails } from '../error-details.js'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { PartialOutput } from '../../model-call/partial-output.js'
import type { Usage } from '../../model-call/usage.js'
import { parseWire, parseWireJson } from '../parse-wire.js'
import type { StreamEvent } from '../provider.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import { serviceTier } from '../service-tier.js'
import type { ServerSentEvent } from '../sse.js'
import { ToolCallAccumulator } from '../tool-call-accumulator.js'
import { anthropicFinishReason } from './anthropic-finish-reason.js'
import { anthropicUsage, anthropicUsageSchema, mergeAnthropicUsage, type AnthropicUsage } from './anthropic-usage.js'

const streamEventSchema = z.object({
  type: z.string(),
  index: z.number().nullish(),
  message: z
    .object({ id: z.string().nullish(), model: z.string().nullish(), usage: anthropicUsageSchema.nullish() })
    .nullish(),
  content_block: z
    .object({
      type: z.string(),
      text: z.string().nullish(),
      id: z.string().nullish(),
      name: z.string().nullish(),
      thinking: z.string().nullish(),
      signature: z.string().nullish(),
      data: z.string().nullish(),
    })
    .nullish(),
  delta: z
    .object({
      type: z.string().nullish(),
      text: z.string().nullish(),
      partial_json: z.string().nullish(),
      thinking: z.string().nullish(),
      signature: z.string().nullish(),
      stop_reason: z.string().nullish(),
    })
    .nullish(),
  usage: anthropicUsageSchema.nullish(),
})

/**
 * A streamed Message: `message_start` (id, model, input usage), content blocks
 * (`content_block_start` / `content_block_delta` with `text_delta` or
 * `input_json_delta`; `thinking` blocks with `thinking_delta` and `signature_delta`,
 * `redacted_thinking` whole at its start), `message_delta` (stop reason, cumulative usage),
 * `message_stop`. `ping` is ignored, `error` is an error; a body that ends
 * without `message_stop` is a cut stream.
 */
export class AnthropicStreamAccumulator implements StreamAccumulator {
  #id = ''
  #model = ''
  readonly #textParts: string[] = []
  readonly #toolCalls = new ToolCallAccumulator()
  /** Content block index → tool-call index, for blocks that are `tool_use`. */
  readonly #toolIndexes = new Map<number, number>()
  /** Thinking blocks in arrival order, and content block index → the thinking block it fills. */
  readonly #reasoning: ReasoningBlock[] = []
  readonly #thinkingBlocks = new Map<number, Extract<ReasoningBlock, { type: 'thinking' }>>()
  #stopReason: string | undefined
  #usage: AnthropicUsage | undefined
  #done = false

  readonly #context: ProviderErrorContext
  readonly #droppedRequestFields: string[]

  /** `droppedRequestFields`: what the request builder left out, reported on the result. */
  constructor(context: ProviderErrorContext, droppedRequestFields: string[] = []) {
    this.#context = context
    this.#droppedRequestFields = droppedRequestFields
  }

  get complete(): boolean {
    return this.#done
  }

  accept(event: ServerSentEvent): StreamEvent[] {
    return this.acceptParsed(parseWireJson(event.data, this.#context))
  }

  acceptParsed(value: unknown): StreamEvent[] {
    const data = parseWire(value, streamEventSchema, this.#context)
    switch (data.type) {
      case 'message_start':
        this.#id = data.message?.id ?? ''
        this.#model = data.message?.model ?? ''
        return this.#updateUsage(data.message?.usage)
      case 'content_block_start':
        return this.#startBlock(data.index ?? 0, data.content_block)
      case 'content_block_delta':
        return this.#blockDelta(data.index ?? 0, data.delta)
      case 'message_delta':
        if (data.delta?.stop_reason) this.#stopReason = data.delta.stop_reason
        return this.#updateUsage(data.usage)
      case 'message_stop':
        this.#done = true
        return []
      case 'error':
        throw providerErrorFromDetails(readErrorDetails(value), this.#context)
      default:
        return []
    }
  }

  #startBlock(blockIndex: number, block: z.infer<typeof streamEventSchema>['content_block']): StreamEvent[] {
    if (block?.type === 'thinking') {
      const thinking = { type: 'thinking' as const, thinking: block.thinking ?? '', signature: block.signature ?? '' }
      this.#reasoning.push(thinking)
      this.#thinkingBlocks.set(blockIndex, thinking)
      return []
    }
    if (block?.type === 'redacted_thinking') {
      this.#reasoning.push({ type: 'redacted_thinking', data: block.data ?? '' })
      return []
    }
    if (block?.type === 'text' && block.text) {
      this.#textParts.push(block.text)
      return [{ type: 'text-delta', text: block.text }]
    }
    if (block?.type !== 'tool_use') return []
    const index = this.#toolIndexes.size
    this.#toolIndexes.set(blockIndex, index)
    const delta = {
      index,
      argumentsDelta: '',
      ...(block.id ? { id: block.id } : {}),
      ...(block.name ? { name: block.name } : {}),
    }
    this.#toolCalls.append(delta)
    return [{ type: 'tool-call-delta', ...delta }]
  }

  #blockDelta(blockIndex: number, delta: z.infer<typeof streamEventSchema>['delta']): StreamEvent[] {
    if (delta?.type === 'text_delta' && delta.text) {
      this.#textParts.push(delta.text)
      return [{ type: 'text-delta', text: delta.text }]
    }
    const thinking = this.#thinkingBlocks.get(blockIndex)
    if (thinking !== undefined) {
      if (delta?.type === 'thinking_delta' && delta.thinking) thinking.thinking += delta.thinking
      if (delta?.type === 'signature_delta' && delta.signature) thinking.signature += delta.signature
      return []
    }
    const index = this.#toolIndexes.get(blockIndex)
    if (delta?.type !== 'input_json_delta' || index === undefined || !delta.partial_json) return []
    this.#toolCalls.append({ index, argumentsDelta: delta.partial_json })
    return [{ type: 'tool-call-delta', index, argumentsDelta: delta.partial_json }]
  }

  #updateUsage(update: AnthropicUsage | null | undefined): StreamEvent[] {
    if (!update) return []
    this.#usage = this.#usage === undefined ? update : mergeAnthropicUsage(this.#usage, update)
    return [{ type: 'usage', usage: anthropicUsage(this.#usage) }]
  }

  #normalizedUsage(): Usage | undefined {
    return this.#usage === undefined ? undefined : anthropicUsage(this.#usage)
  }

  result(): ModelCallResult {
    const result: ModelCallResult = {
      id: this.#id,
      model: this.#model || this.#context.model,
      text: this.#textParts.join(''),
      toolCalls: this.#toolCalls.toolCalls(),
      finishReason: anthropicFinishReason(this.#stopReason),
      rawFinishReason: this.#stopReason ?? '',
      usage: this.#normalizedUsage() ?? emptyUsage(),
    }
    const tier = serviceTier(this.#usage?.service_tier)
    if (tier !== undefined) result.serviceTier = tier
    if (this.#droppedRequestFields.length > 0) result.droppedRequestFields = [...this.#droppedRequestFields]
    if (this.#reasoning.length > 0) result.reasoning = this.#reasoning.map((block) => ({ ...block }))
    return result
  }

  partial(): PartialOutput {
    const partial: PartialOutput = { text: this.#textParts.join('') }
    const usage = this.#normalizedUsage()
    if (usage !== undefined) partial.usage = usage
    return partial
  }
}
