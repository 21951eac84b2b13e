import { estimateCutStreamUsage } from '../pricing/estimate-cut-stream-usage.js'
import { countCharacters } from '../pricing/estimate-output-tokens.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Usage } from '../model-call/usage.js'
import { isProviderError, ProviderError } from '../providers/provider-error.js'
import { streamEventBatches } from '../providers/drive-stream.js'
import type { StreamEvent } from '../providers/provider.js'
import type { CallScope } from '../telemetry/workflow-context.js'
import type { AttemptCall } from './attempt-call.js'
import type { ChatRequest, ChatResult, ChatStream, ChatStreamChunk, StreamTarget } from './chat-request.js'
import { estimatePromptTokens } from './context-window.js'
import { chatOperation } from './chat-operation.js'
import { routeAttempts } from './route-attempts.js'
import { RoutedCall } from './routed-call.js'
import type { RouterParts } from './router-parts.js'

/** A provider stream that sent its first events: read on in batches, one per body chunk (see ProviderEventStream). */
interface OpenedStream {
  iterator: AsyncIterator<readonly StreamEvent[]>
  first: IteratorResult<readonly StreamEvent[]>
  ttftMs: number
}

export interface OpenRoutedStreamOptions {
  parts: RouterParts
  request: ChatRequest
  /** Taken when the stream was asked for: it starts when first read, maybe after its workflow or step returned. */
  scope: CallScope
}

/**
 * A routed stream. Until the first event arrives the request may be retried or
 * sent elsewhere (nothing reached the caller yet); from then on it is never re-sent,
 * so the caller never sees duplicated text. A stream cut midway ends with the
 * provider's error to the caller and an error span that keeps the tokens seen.
 */
export function openRoutedStream(options: OpenRoutedStreamOptions): ChatStream {
  return new RoutedStream(options)
}

class RoutedStream implements ChatStream {
  readonly #options: OpenRoutedStreamOptions
  readonly #result: Promise<ChatResult>
  #resolveResult!: (result: ChatResult) => void
  #rejectResult!: (error: unknown) => void
  #cancelled = false
  #started: AsyncGenerator<ChatStreamChunk> | undefined
  #target: StreamTarget | undefined

  constructor(options: OpenRoutedStreamOptions) {
    this.#options = options
    this.#result = new Promise<ChatResult>((resolve, reject) => {
      this.#resolveResult = resolve
      this.#rejectResult = reject
    })
    // A caller that only iterates must not get an unhandled rejection from `result`.
    this.#result.catch(() => undefined)
  }

  [Symbol.asyncIterator](): AsyncGenerator<ChatStreamChunk> {
    return this.#start()
  }

  get result(): Promise<ChatResult> {
    if (this.#started === undefined) {
      // Nobody iterates: drain the stream here so the result still arrives.
      const generator = this.#start()
      void (async () => {
        try {
          for (let step = await generator.next(); !step.done; step = await generator.next()) { /* discard */ }
        } catch {
          // The rejection reaches the caller through `result`.
        }
      })()
    }
    return this.#result
  }

  cancel(): void {
    this.#cancelled = true
  }

  get target(): StreamTarget | undefined {
    return this.#target
  }

  #start(): AsyncGenerator<ChatStreamChunk> {
    this.#started ??= this.#run()
    return this.#started
  }

  /**
   * Prepare the routed call and try targets until one sends its first event. Not a
   * generator of its own: delegating with `yield*` would add a step to every chunk.
   */
  async #open(): Promise<{ routed: RoutedCall; call: AttemptCall; opened: OpenedStream }> {
    const { parts, request, scope } = this.#options
    let routed: RoutedCall
    try {
      routed = new RoutedCall({ parts, operation: chatOperation, request, stream: true, scope })
    } catch (error) {
      this.#rejectResult(error)
      throw error
    }
    try {
      const { value, call } = await routeAttempts(routed, openUntilFirstEvent)
      return { routed, call, opened: value }
    } catch (error) {
      routed.finishFailure(error)
      this.#rejectResult(error)
      throw error
    }
  }

  /** Relay the opened stream to the caller; the routed call finishes however it ends. */
  async *#run(): AsyncGenerator<ChatStreamChunk> {
    const { routed, call, opened } = await this.#open()
    this.#target = { provider: call.target.provider, model: call.target.model, attempt: call.attempt }
    routed.parts.health.latency(call.target).recordTimeToFirstToken(opened.ttftMs)
    // Counted once: the stop-at-limit check runs on every text chunk.
    const progress = new StreamProgress(estimatePromptTokens(call.request))
    let finished: ModelCallResult | undefined
    let next: IteratorResult<readonly StreamEvent[]> = opened.first
    let stoppedAtLimit = false
    let completed = false
    // Only a budget with stopStreamAtLimit is checked on every text chunk.
    const watchesLimit = routed.reservation?.streamLimitUnits() !== undefined
    try {
      reading: while (!next.done) {
        for (const event of next.value) {
          if (event.type === 'text-delta') {
            progress.addText(event.text)
            // The provider's own event object: a text delta has the chunk's shape, and nothing else holds it.
            yield event
            if (watchesLimit && overBudget(routed, call, progress)) {
              stoppedAtLimit = true
              break reading
            }
          } else if (event.type === 'tool-call-delta') {
            yield event
          } else if (event.type === 'usage') {
            progress.lastUsage = event.usage
          } else {
            finished = event.result
          }
          if (this.#cancelled) break reading
        }
        next = await opened.iterator.next()
      }
      if (this.#cancelled) {
        await opened.iterator.return?.()
        this.#cancel(routed, call, progress, opened.ttftMs, 'the caller cancelled the stream')
        completed = true
        return
      }
      if (stoppedAtLimit) {
        await opened.iterator.return?.()
        finished = stoppedResult(call, progress)
        call.span.addEvent('switchyard.budget.stream_stopped', { reason: 'stopStreamAtLimit' })
      } else if (finished === undefined) {
        throw new ProviderError({ code: 'stream_cut', message: 'the stream ended without its final event', provider: call.target.provider, model: call.target.model, partial: { text: progress.text, usage: progress.lastUsage } })
      }
      const result = routed.finishSuccess(call, finished, opened.ttftMs, stoppedAtLimit)
      completed = true
      this.#resolveResult(result)
    } catch (error) {
      completed = true
      routed.failStreamed(call, error, 'error', progress.usage(isProviderError(error) ? error.partialUsage : undefined), opened.ttftMs)
      this.#rejectResult(error)
      throw error
    } finally {
      if (!completed) {
        // The caller stopped iterating (break / return): a cancellation, billed for what was seen.
        await opened.iterator.return?.()
        this.#cancel(routed, call, progress, opened.ttftMs, 'the caller stopped reading the stream')
      }
    }
  }

  #cancel(routed: RoutedCall, call: AttemptCall, progress: StreamProgress, ttftMs: number, message: string): void {
    const error = new ProviderError({ code: 'aborted', message, provider: call.target.provider, model: call.target.model })
    routed.failStreamed(call, error, 'cancelled', progress.usage(undefined), ttftMs)
    this.#rejectResult(new Error('stream cancelled by the caller'))
  }
}

/** What a stream has sent so far: its text, and the usage that text implies when the provider did not report it. */
class StreamProgress {
  text = ''
  // Code points of `text`, added up per delta: the budget check on every delta would
  // otherwise count the whole text again, O(n²) over a long stream.
  characters = 0
  lastUsage: Usage | undefined
  readonly #promptTokens: number

  constructor(promptTokens: number) {
    this.#promptTokens = promptTokens
  }

  addText(text: string): void {
    this.text += text
    this.characters += countCharacters(text)
  }

  /** The usage so far: what the provider reported (`partialUsage`, else its last usage event), else estimated from the text. */
  usage(partialUsage: Usage | undefined): Usage {
    return estimateCutStreamUsage({ partialUsage: partialUsage ?? this.lastUsage, outputCharacters: this.characters, inputTokens: this.#promptTokens })
  }
}

/** With `stopStreamAtLimit`, a stream about to cross a hard budget limit is ended cleanly. */
function overBudget(routed: RoutedCall, call: AttemptCall, progress: StreamProgress): boolean {
  const limit = routed.reservation?.streamLimitUnits()
  if (limit === undefined) return false
  const cost = routed.parts.pricing.priceAttempt(call, call.target.model, progress.usage(undefined), true)
  return cost.costUnits > limit
}

/** The result of a stream stopped at a budget limit: the text so far, finish reason `length`. */
function stoppedResult(call: AttemptCall, progress: StreamProgress): ModelCallResult {
  return { id: '', model: call.target.model, text: progress.text, toolCalls: [], finishReason: 'length', rawFinishReason: 'budget_limit', usage: progress.usage(undefined) }
}

/** Open the provider stream and wait for its first event, within the first-token timeout. */
async function openUntilFirstEvent(call: AttemptCall, routed: RoutedCall): Promise<OpenedStream> {
  const firstTokenMs = routed.route.timeouts.firstTokenMs
  const iterator = streamEventBatches(call.provider.stream(call.request))
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new ProviderError({ code: 'timeout', message: `no first token within ${firstTokenMs} ms`, provider: call.target.provider, model: call.target.model }))
    }, firstTokenMs)
  })
  try {
    const first = await Promise.race([iterator.next(), timeout])
    return { iterator, first, ttftMs: routed.parts.now() - call.startedAt }
  } catch (error) {
    // The pending read holds the connection until the provider answers: abort the
    // request itself, or a silent provider would keep a pool connection for minutes.
    call.control.cancel(error instanceof Error ? error : new Error('no first event'))
    void iterator.return?.()?.catch(() => undefined)
    throw error
  } finally {
    clearTimeout(timer)
  }
}
