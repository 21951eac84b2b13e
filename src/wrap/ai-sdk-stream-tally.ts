import { emptyUsage } from '../model-call/empty-usage.js'
import type { FinishReason } from '../model-call/finish-reason.js'
import type { PartialOutput } from '../model-call/partial-output.js'
import type { Usage } from '../model-call/usage.js'
import { aiSdkFinishReason, aiSdkUsage } from './ai-sdk-result.js'
import type { CallRecorder } from './begin-call.js'
import { isRecord, stringOrUndefined } from './wire-value.js'

/**
 * Reads the parts of an AI SDK `doStream` stream on their way to the caller:
 * `response-metadata` (id, model), text and tool-input deltas (time to first
 * token, and the text a cut stream is billed for), `error` parts and the `finish`
 * part with usage and finish reason.
 */
export class AiSdkStreamTally {
  #id = ''
  #model = ''
  #text = ''
  #finish: { finishReason: FinishReason; raw: string; usage: Usage | undefined } | undefined
  #error: unknown

  readonly #recorder: CallRecorder
  readonly #requestModel: string

  constructor(recorder: CallRecorder, requestModel: string) {
    this.#recorder = recorder
    this.#requestModel = requestModel
  }

  accept(part: unknown): void {
    if (!isRecord(part)) return
    switch (part.type) {
      case 'response-metadata':
        this.#id = stringOrUndefined(part.id) ?? this.#id
        this.#model = stringOrUndefined(part.modelId) ?? this.#model
        return
      case 'text-delta':
        this.#recorder.firstOutput()
        this.#text += stringOrUndefined(part.delta) ?? stringOrUndefined(part.textDelta) ?? ''
        return
      case 'tool-input-start':
      case 'tool-call':
        this.#recorder.firstOutput()
        return
      case 'error':
        this.#error = part.error
        return
      case 'finish':
        this.#finish = { ...aiSdkFinishReason(part.finishReason), usage: aiSdkUsage(part.usage) }
        return
      default:
    }
  }

  /** Records the call once the stream closed. */
  end(): void {
    if (this.#error !== undefined || this.#finish?.finishReason === 'error') {
      this.#recorder.fail(this.#error ?? new Error('the stream finished with an error'), { partial: this.partial() })
      return
    }
    if (this.#finish === undefined) {
      this.#recorder.fail(new Error('the stream ended before its finish part'), { partial: this.partial(), errorType: 'stream_cut' })
      return
    }
    this.#recorder.succeed({
      result: {
        id: this.#id,
        model: this.#model || this.#requestModel,
        text: this.#text,
        toolCalls: [],
        finishReason: this.#finish.finishReason,
        rawFinishReason: this.#finish.raw,
        usage: this.#finish.usage ?? emptyUsage(),
      },
      usage: this.#finish.usage,
    })
  }

  partial(): PartialOutput {
    const partial: PartialOutput = { text: this.#text }
    if (this.#finish?.usage !== undefined) partial.usage = this.#finish.usage
    return partial
  }
}
