import { newCallIdPrefix } from './gemini-call-id.js'
import { z } from 'zod'
import type { StreamAccumulator } from '../drive-stream.js'
import { emptyUsage } from '../../model-call/empty-usage.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { PartialOutput } from '../../model-call/partial-output.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { Usage } from '../../model-call/usage.js'
import { boundedWireString } from '../bounded-wire-string.js'
import { readErrorDetails } from '../error-details.js'
import { parseWire, parseWireJson } from '../parse-wire.js'
import type { StreamEvent } from '../provider.js'
import type { ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromDetails } from '../provider-error-from-response.js'
import type { ServerSentEvent } from '../sse.js'
import { geminiFinishReason } from './gemini-finish-reason.js'
import { geminiUsage, geminiUsageSchema } from './gemini-usage.js'

const partSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z.object({ id: z.string().nullish(), name: z.string().nullish(), args: z.unknown().optional() }).nullish(),
})

/** A `GenerateContentResponse`: the whole answer, or one chunk of a stream. */
export const geminiResponseSchema = z.object({
  candidates: z
    .array(
      z.object({
        content: z.object({ parts: z.array(partSchema).nullish() }).nullish(),
        finishReason: z.string().nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: geminiUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  error: z.unknown().optional(),
})

export type GeminiResponse = z.infer<typeof geminiResponseSchema>

/**
 * Longest signature kept. Recorded Gemini 3 signatures are a few hundred to a few
 * thousand base64 characters; a longer one is dropped (Gemini then refuses the next
 * turn with a 400 that says so) rather than held in memory and sent on every turn.
 */
export const maxThoughtSignatureLength = 65_536
const maxCallIdLength = 256

/**
 * Reads Gemini responses: one for `generateContent`, a sequence of chunks for
 * `streamGenerateContent?alt=sse`, which has no terminal event: the stream is
 * complete once a candidate has a `finishReason` (or the prompt was blocked).
 * Text parts are appended (thought summaries left out), each `functionCall` part
 * is a whole tool call, and `usageMetadata`, which every chunk repeats
 * cumulatively, is replaced, never summed.
 *
 * Gemini sends no call ids (or, on some versions, ids of its own): a call without
 * one gets `call_<random>_<n>`, unique across the turns of a conversation, so that
 * the tool result that answers it later resolves to this call's function name.
 * Each call keeps the `thoughtSignature` of its part; a signature on a text or
 * thought part is the result's own `thoughtSignature` (the last one seen).
 */
export class GeminiResponseAccumulator implements StreamAccumulator {
  #id = ''
  #model = ''
  readonly #textParts: string[] = []
  readonly #toolCalls: ToolCall[] = []
  /** Makes the ids of this answer's calls unique across the turns of a conversation. */
  readonly #callIdPrefix = newCallIdPrefix()
  #textSignature: string | undefined
  #finishReason: string | undefined
  #usage: Usage | undefined
  /** The prompt itself was blocked (`promptFeedback.blockReason`): there is no candidate. */
  #promptBlocked = false

  readonly #context: ProviderErrorContext

  constructor(context: ProviderErrorContext) {
    this.#context = context
  }

  get complete(): boolean {
    return this.#finishReason !== undefined
  }

  accept(event: ServerSentEvent): StreamEvent[] {
    return this.acceptParsed(parseWireJson(event.data, this.#context))
  }

  acceptParsed(value: unknown): StreamEvent[] {
    const chunk = parseWire(value, geminiResponseSchema, this.#context)
    if (chunk.error !== undefined && chunk.error !== null) {
      throw providerErrorFromDetails(readErrorDetails(value), this.#context)
    }
    return this.acceptResponse(chunk)
  }

  acceptResponse(response: GeminiResponse): StreamEvent[] {
    if (response.responseId && this.#id === '') this.#id = response.responseId
    if (response.modelVersion && this.#model === '') this.#model = response.modelVersion
    const events: StreamEvent[] = []
    const candidate = response.candidates?.[0]
    for (const part of candidate?.content?.parts ?? []) {
      if (part.text && part.thought !== true) {
        this.#textParts.push(part.text)
        events.push({ type: 'text-delta', text: part.text })
      }
      const signature = boundedWireString(part.thoughtSignature, maxThoughtSignatureLength)
      if (part.functionCall) events.push(this.#acceptCall(part.functionCall, signature))
      else if (signature !== undefined) this.#textSignature = signature
    }
    if (candidate?.finishReason) this.#finishReason = candidate.finishReason
    const blockReason = response.promptFeedback?.blockReason
    if (blockReason) {
      this.#finishReason = blockReason
      this.#promptBlocked = true
    }
    if (response.usageMetadata) {
      this.#usage = geminiUsage(response.usageMetadata)
      events.push({ type: 'usage', usage: this.#usage })
    }
    return events
  }

  #acceptCall(functionCall: NonNullable<z.infer<typeof partSchema>['functionCall']>, signature: string | undefined): StreamEvent {
    const index = this.#toolCalls.length
    const issuedId = boundedWireString(functionCall.id, maxCallIdLength)
    const call: ToolCall = {
      id: issuedId ?? `${this.#callIdPrefix}_${index}`,
      name: functionCall.name ?? '',
      arguments: JSON.stringify(functionCall.args ?? {}),
    }
    if (issuedId !== undefined) call.providerIssuedId = true
    if (signature !== undefined) call.thoughtSignature = signature
    this.#toolCalls.push(call)
    return { type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: call.arguments }
  }

  result(): ModelCallResult {
    const result: ModelCallResult = {
      id: this.#id,
      model: this.#model || this.#context.model,
      text: this.#textParts.join(''),
      toolCalls: this.#toolCalls.map((call) => ({ ...call })),
      finishReason: this.#promptBlocked ? 'content_filter' : geminiFinishReason(this.#finishReason, this.#toolCalls.length > 0),
      rawFinishReason: this.#finishReason ?? '',
      usage: this.#usage ?? emptyUsage(),
    }
    if (this.#textSignature !== undefined) result.thoughtSignature = this.#textSignature
    return result
  }

  partial(): PartialOutput {
    const partial: PartialOutput = { text: this.#textParts.join('') }
    if (this.#usage !== undefined) partial.usage = this.#usage
    return partial
  }
}
