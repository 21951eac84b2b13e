import { diag } from '@opentelemetry/api'
import type { PriceTable } from '../pricing/price-table.js'
import { aiSdkGenerateResult } from './ai-sdk-result.js'
import { AiSdkStreamTally } from './ai-sdk-stream-tally.js'
import { beginCall, type CallDescription, type CallRecorder } from './begin-call.js'
import type { CallBudgetGate } from './call-budget-gate.js'
import { serverOfUrl } from './server-of-url.js'
import { sdkErrorType } from './sdk-error-type.js'
import { wrapSettings, type WrapSettings } from './wrap-settings.js'

export interface SwitchyardMiddlewareOptions {
  /**
   * `gen_ai.provider.name`, and the provider prices are looked up under. Default:
   * the AI SDK provider id before its first dot (`openai.chat` → `openai`).
   */
  provider?: string
  /** The provider's base URL, for `server.address` and `server.port` (the AI SDK does not expose it). */
  baseURL?: string
  tags?: Record<string, string>
  budgets?: CallBudgetGate
  priceTable?: PriceTable
  /**
   * Record prompt and completion text on the spans (`gen_ai.input.messages`,
   * `gen_ai.output.messages`); default off. The library does not read
   * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: pass it from your entry point.
   */
  captureMessageContent?: boolean
}

/** The parts of an AI SDK language model that are read. */
interface LanguageModelLike {
  readonly provider: string
  readonly modelId: string
}

/** The parts of AI SDK call options that are read. */
interface CallOptionsLike {
  prompt: unknown
  maxOutputTokens?: number
  temperature?: number
  topP?: number
}

/**
 * A language-model middleware in the shape of the AI SDK (`ai@6`, spec v3):
 * typed structurally, so switchyard does not depend on the `ai` package.
 */
export interface SwitchyardMiddleware {
  readonly specificationVersion: 'v3'
  wrapGenerate<Result>(options: WrapGenerateOptions<Result>): Promise<Result>
  wrapStream<Result extends StreamResultLike>(options: WrapStreamOptions<Result>): Promise<Result>
}

interface StreamResultLike {
  stream: ReadableStream<unknown>
}

interface WrapGenerateOptions<Result> {
  doGenerate: () => PromiseLike<Result>
  params: CallOptionsLike
  model: LanguageModelLike
}

interface WrapStreamOptions<Result> {
  doStream: () => PromiseLike<Result>
  params: CallOptionsLike
  model: LanguageModelLike
}

/**
 * Middleware for the AI SDK's `wrapLanguageModel`: every `doGenerate` and
 * `doStream` (each step of `generateText` / `streamText`) passes the budgets
 * first, then gets the same `chat {model}` span, tags and exact cost as a routed
 * or instrumented call. Results and stream parts reach the caller unchanged.
 */
export function switchyardMiddleware(options: SwitchyardMiddlewareOptions = {}): SwitchyardMiddleware {
  const base = wrapSettings({
    providerName: options.provider ?? '',
    server: options.baseURL === undefined ? { address: '', port: 0 } : serverOfUrl(options.baseURL),
    priceTable: options.priceTable,
    budgets: options.budgets,
    tags: options.tags,
    captureMessageContent: options.captureMessageContent,
  })
  const settingsFor = (model: LanguageModelLike): WrapSettings =>
    options.provider === undefined ? { ...base, providerName: model.provider.split('.')[0] ?? model.provider } : base

  return {
    specificationVersion: 'v3',

    async wrapGenerate<Result>({ doGenerate, params, model }: WrapGenerateOptions<Result>): Promise<Result> {
      // With a shared budget, waits for the admission across processes: nothing is sent before.
      const recorder = await beginCall(settingsFor(model), describe(model, params, false))
      let result: Awaited<ReturnType<typeof doGenerate>>
      try {
        result = await doGenerate()
      } catch (error) {
        recorder.fail(error)
        throw error
      }
      try {
        recorder.succeed(aiSdkGenerateResult(result, model.modelId))
      } catch (error) {
        diag.warn(`switchyard: cannot read an AI SDK result: ${String(error)}`)
        recorder.succeed({})
      }
      return result
    },

    async wrapStream<Result extends StreamResultLike>({ doStream, params, model }: WrapStreamOptions<Result>): Promise<Result> {
      const recorder = await beginCall(settingsFor(model), describe(model, params, true))
      let result: Result
      try {
        // Awaited<Result> is Result for the object a stream call resolves to; TypeScript cannot see it through the type parameter.
        result = (await doStream()) as Result
      } catch (error) {
        recorder.fail(error)
        throw error
      }
      try {
        return { ...result, stream: recordParts(result.stream, new AiSdkStreamTally(recorder, model.modelId), recorder) }
      } catch (error) {
        diag.warn(`switchyard: cannot record an AI SDK stream: ${String(error)}`)
        recorder.succeed({})
        return result
      }
    },
  }
}

function describe(model: LanguageModelLike, params: CallOptionsLike, stream: boolean): CallDescription {
  return {
    operation: 'chat',
    model: model.modelId,
    stream,
    maxTokens: params.maxOutputTokens,
    temperature: params.temperature,
    topP: params.topP,
    prompt: params.prompt,
  }
}

/**
 * The same parts, pulled one at a time from the model's stream as the caller
 * reads (nothing is buffered ahead), tallied on the way; a caller that cancels
 * cancels the model's stream.
 */
function recordParts<Part>(source: ReadableStream<Part>, tally: AiSdkStreamTally, recorder: CallRecorder): ReadableStream<Part> {
  const reader = source.getReader()
  return new ReadableStream<Part>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>
      try {
        next = await reader.read()
      } catch (error) {
        const type = sdkErrorType(error)
        recorder.fail(error, { partial: tally.partial(), errorType: type === '_OTHER' ? 'stream_cut' : type })
        controller.error(error)
        return
      }
      if (next.done) {
        guard(() => tally.end())
        controller.close()
        return
      }
      guard(() => tally.accept(next.value))
      controller.enqueue(next.value)
    },
    cancel(reason) {
      recorder.fail(new Error('the caller stopped reading the stream'), { partial: tally.partial(), errorType: 'cancelled' })
      return reader.cancel(reason)
    },
  }, { highWaterMark: 0 })
}

function guard(action: () => void): void {
  try {
    action()
  } catch (error) {
    diag.warn(`switchyard: cannot record an AI SDK stream part: ${String(error)}`)
  }
}
