import { z } from 'zod'
import type { StreamAccumulator } from '../drive-stream.js'
import { parseWire, parseWireJson } from '../parse-wire.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { PartialOutput } from '../../model-call/partial-output.js'
import type { StreamEvent } from '../provider.js'
import { ProviderError, type ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import type { ServerSentEvent } from '../sse.js'
import { responseOutputItemSchema, responseSchema, responsesResult } from './responses-result.js'

const streamEventSchema = z.object({
  type: z.string(),
  delta: z.string().nullish(),
  output_index: z.number().nullish(),
  item: responseOutputItemSchema.nullish(),
  response: responseSchema.nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
})

const terminalEvents = new Set(['response.completed', 'response.incomplete'])

/**
 * A streamed Responses API call: semantic events (`response.output_text.delta`,
 * `response.output_item.added` for a function call,
 * `response.function_call_arguments.delta`), ending with `response.completed`
 * or `response.incomplete`, whose full response object, usage included, is the
 * result. There is no `[DONE]`; `response.failed` and `error` are errors.
 */
export class ResponsesStreamAccumulator implements StreamAccumulator {
  readonly #textParts: string[] = []
  /** Output index of each function_call item → its tool-call index among the calls. */
  readonly #toolIndexes = new Map<number, number>()
  #final: ModelCallResult | undefined

  readonly #context: ProviderErrorContext

  constructor(context: ProviderErrorContext) {
    this.#context = context
  }

  get complete(): boolean {
    return this.#final !== undefined
  }

  accept(event: ServerSentEvent): StreamEvent[] {
    return this.acceptParsed(parseWireJson(event.data, this.#context))
  }

  acceptParsed(value: unknown): StreamEvent[] {
    const data = parseWire(value, streamEventSchema, this.#context)
    switch (data.type) {
      case 'response.output_text.delta':
        if (!data.delta) return []
        this.#textParts.push(data.delta)
        return [{ type: 'text-delta', text: data.delta }]
      case 'response.output_item.added': {
        if (data.item?.type !== 'function_call') return []
        const index = this.#toolIndexes.size
        this.#toolIndexes.set(data.output_index ?? index, index)
        return [
          {
            type: 'tool-call-delta',
            index,
            argumentsDelta: data.item.arguments ?? '',
            ...(data.item.call_id ? { id: data.item.call_id } : {}),
            ...(data.item.name ? { name: data.item.name } : {}),
          },
        ]
      }
      case 'response.function_call_arguments.delta': {
        const index = this.#toolIndexes.get(data.output_index ?? -1)
        if (index === undefined || !data.delta) return []
        return [{ type: 'tool-call-delta', index, argumentsDelta: data.delta }]
      }
      case 'response.failed':
        throw providerErrorFromDetails(
          {
            code: data.response?.error?.code ?? 'server_error',
            message: data.response?.error?.message ?? 'the response failed',
          },
          this.#context,
        )
      case 'error':
        throw providerErrorFromDetails(
          { code: data.code ?? 'server_error', message: data.message ?? 'error event in the stream' },
          this.#context,
        )
      default:
        return terminalEvents.has(data.type) ? this.#finish(data.response) : []
    }
  }

  #finish(response: z.infer<typeof responseSchema> | null | undefined): StreamEvent[] {
    if (!response) {
      throw new ProviderError({ ...this.#context, code: 'server_error', message: 'a terminal event carried no response.' })
    }
    this.#final = responsesResult(response, this.#context)
    return [{ type: 'usage', usage: this.#final.usage }]
  }

  result(): ModelCallResult {
    if (this.#final === undefined) throw new Error('result() before the terminal event')
    return this.#final
  }

  partial(): PartialOutput {
    return { text: this.#textParts.join('') }
  }
}
