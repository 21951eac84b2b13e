import { estimateCutStreamUsage } from '../pricing/estimate-cut-stream-usage.js'
import { countCharacters } from '../pricing/estimate-output-tokens.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { Usage } from '../model-call/usage.js'
import { isProviderError, ProviderError } from '../providers/provider-error.js'
import type { StreamEvent } from '../providers/provider.js'
import type { AttemptCall } from './attempt-call.js'
import type { ChatResult, ChatStreamChunk, StreamTarget } from './chat-request.js'
import { estimatePromptTokens } from './context-window.js'
import type { RoutedCall } from './routed-call.js'

/** A provider stream that sent its first events: read on in batches, one per body chunk (see ProviderEventStream). */
export interface OpenedStream {
  iterator: AsyncIterator<readonly StreamEvent[]>
  first: IteratorResult<readonly StreamEvent[]>
  ttftMs: number
}

/** What the reader needs of its stream: the routed call opened, the caller's result, and whether the caller cancelled. */
export interface StreamOwner {
  /** Prepare the routed call and try targets until one sends its first event; settles the result itself when it fails. */
  open(): Promise<{ routed: RoutedCall; call: AttemptCall; opened: OpenedStream }>
  /** The target that answers, before the first chunk is handed out. */
  setTarget(target: StreamTarget): void
  readonly cancelled: boolean
  resolveResult(result: ChatResult): void
  rejectResult(error: unknown): void
}

/** What the reader does next: hand out a chunk (or the end), read the next batch, or end early. */
type Step = IteratorResult<ChatStreamChunk> | 'pull' | 'stop' | 'cancel'

interface Streaming {
  routed: RoutedCall
  call: AttemptCall
  opened: OpenedStream
  progress: StreamProgress
  /** Only a budget with stopStreamAtLimit is checked on every text chunk. */
  watchesLimit: boolean
}

/**
 * The caller's side of a routed stream, written out by hand rather than as an async
 * generator: a chunk already read costs one resolved promise, where a generator's
 * yield cost three, each paying every AsyncLocalStorage's promise hook (switchyard's
 * and the OTel SDK's), 30 times a stream. It behaves as the generator did: the first
 * `next` opens the call; after a chunk is handed out, the next `next` first checks the
 * budget limit (text) and a cancel; the routed call finishes however the stream ends
 * (done, error, cancel, `return` mid-stream); calls made while one is pending wait for it.
 */
export class RoutedStreamReader implements AsyncIterator<ChatStreamChunk> {
  readonly #owner: StreamOwner
  #streaming: Streaming | undefined
  #batch: readonly StreamEvent[] = []
  #index = 0
  #batchesEnded = false
  #finished: ModelCallResult | undefined
  /** A chunk was handed out: what follows a generator's `yield` runs at the next `next`. */
  #handedOut: 'text' | 'other' | undefined
  #started = false
  #completed = false
  #pending: Promise<unknown> | undefined

  constructor(owner: StreamOwner) {
    this.#owner = owner
  }

  next(): Promise<IteratorResult<ChatStreamChunk>> {
    if (this.#pending !== undefined) return this.#pending.then(() => this.next(), () => this.next())
    if (this.#completed) return Promise.resolve(doneResult())
    if (!this.#started) {
      this.#started = true
      return this.#track(this.#openThenContinue())
    }
    let step: Step
    try {
      step = this.#advance()
    } catch (error) {
      return Promise.reject(this.#fail(error))
    }
    if (typeof step === 'object') return Promise.resolve(step)
    return this.#track(step === 'pull' ? this.#pullThenContinue() : this.#endEarly(step))
  }

  /** The caller stopped reading (`break`): a cancellation, billed for what was seen. */
  return(): Promise<IteratorResult<ChatStreamChunk>> {
    if (this.#pending !== undefined) return this.#pending.then(() => this.return(), () => this.return())
    if (this.#completed || this.#streaming === undefined) {
      // Before the first read nothing was called; the result must still settle for whoever awaits it.
      if (!this.#completed) this.#owner.rejectResult(new Error('stream cancelled by the caller before the first read'))
      this.#started = true
      this.#completed = true
      return Promise.resolve(doneResult())
    }
    this.#completed = true
    return this.#track(this.#cancel('the caller stopped reading the stream'))
  }

  /** An error thrown into the stream ends it as that error, as a generator's catch did. */
  throw(error: unknown): Promise<IteratorResult<ChatStreamChunk>> {
    if (this.#pending !== undefined) return this.#pending.then(() => this.throw(error), () => this.throw(error))
    if (this.#completed || this.#streaming === undefined) {
      if (!this.#completed) this.#owner.rejectResult(error)
      this.#started = true
      this.#completed = true
      return Promise.reject(error)
    }
    return Promise.reject(this.#fail(error))
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending = promise
    const clear = (): void => {
      if (this.#pending === promise) this.#pending = undefined
    }
    promise.then(clear, clear)
    return promise
  }

  async #openThenContinue(): Promise<IteratorResult<ChatStreamChunk>> {
    let opened: Awaited<ReturnType<StreamOwner['open']>>
    try {
      opened = await this.#owner.open()
    } catch (error) {
      this.#completed = true
      throw error
    }
    const { routed, call } = opened
    this.#owner.setTarget({ provider: call.target.provider, model: call.target.model, attempt: call.attempt })
    routed.parts.health.latency(call.target).recordTimeToFirstToken(opened.opened.ttftMs)
    // Counted once: the stop-at-limit check runs on every text chunk.
    const progress = new StreamProgress(estimatePromptTokens(call.request))
    this.#streaming = { routed, call, opened: opened.opened, progress, watchesLimit: routed.reservation?.streamLimitUnits() !== undefined }
    this.#take(opened.opened.first)
    return this.#continue()
  }

  async #pullThenContinue(): Promise<IteratorResult<ChatStreamChunk>> {
    try {
      this.#take(await this.#streaming!.opened.iterator.next())
    } catch (error) {
      throw this.#fail(error)
    }
    return this.#continue()
  }

  #continue(): Promise<IteratorResult<ChatStreamChunk>> | IteratorResult<ChatStreamChunk> {
    let step: Step
    try {
      step = this.#advance()
    } catch (error) {
      throw this.#fail(error)
    }
    if (typeof step === 'object') return step
    return step === 'pull' ? this.#pullThenContinue() : this.#endEarly(step)
  }

  #take(next: IteratorResult<readonly StreamEvent[]>): void {
    this.#index = 0
    if (next.done === true) {
      this.#batch = []
      this.#batchesEnded = true
    } else {
      this.#batch = next.value
    }
  }

  /** The next chunk of the batch, the end, or what to do first; throws what ends the stream as an error. */
  #advance(): Step {
    const streaming = this.#streaming!
    const handedOut = this.#handedOut
    if (handedOut !== undefined) {
      this.#handedOut = undefined
      if (handedOut === 'text' && streaming.watchesLimit && overBudget(streaming.routed, streaming.call, streaming.progress)) return 'stop'
      if (this.#owner.cancelled) return 'cancel'
    }
    for (;;) {
      if (this.#index >= this.#batch.length) return this.#batchesEnded ? this.#finish() : 'pull'
      const event = this.#batch[this.#index++]!
      if (event.type === 'text-delta') {
        streaming.progress.addText(event.text)
        this.#handedOut = 'text'
        // The provider's own event object: a text delta has the chunk's shape, and nothing else holds it.
        return { value: event, done: false }
      }
      if (event.type === 'tool-call-delta') {
        this.#handedOut = 'other'
        return { value: event, done: false }
      }
      if (event.type === 'usage') streaming.progress.lastUsage = event.usage
      else this.#finished = event.result
      if (this.#owner.cancelled) return 'cancel'
    }
  }

  /** The provider's stream ended: finish the routed call with its result. */
  #finish(): IteratorResult<ChatStreamChunk> {
    const { routed, call, opened, progress } = this.#streaming!
    const finished = this.#finished
    if (finished === undefined) {
      throw new ProviderError({ code: 'stream_cut', message: 'the stream ended without its final event', provider: call.target.provider, model: call.target.model, partial: { text: progress.text, usage: progress.lastUsage } })
    }
    const result = routed.finishSuccess(call, finished, opened.ttftMs, false)
    this.#completed = true
    this.#owner.resolveResult(result)
    return doneResult()
  }

  /** Stopped at a budget limit (priced from the text seen) or cancelled by the caller. */
  async #endEarly(step: 'stop' | 'cancel'): Promise<IteratorResult<ChatStreamChunk>> {
    const { routed, call, opened, progress } = this.#streaming!
    try {
      if (step === 'cancel') {
        this.#completed = true
        return await this.#cancel('the caller cancelled the stream')
      }
      await opened.iterator.return?.()
      const stopped = stoppedResult(call, progress)
      call.span.addEvent('switchyard.budget.stream_stopped', { reason: 'stopStreamAtLimit' })
      const result = routed.finishSuccess(call, stopped, opened.ttftMs, true)
      this.#completed = true
      this.#owner.resolveResult(result)
      return doneResult()
    } catch (error) {
      throw this.#fail(error)
    }
  }

  async #cancel(message: string): Promise<IteratorResult<ChatStreamChunk>> {
    const { routed, call, opened, progress } = this.#streaming!
    try {
      await opened.iterator.return?.()
    } catch {
      // The provider's own clean-up failed: the call is cancelled and billed all the same.
    }
    const error = new ProviderError({ code: 'aborted', message, provider: call.target.provider, model: call.target.model })
    routed.failStreamed(call, error, 'cancelled', progress.usage(undefined), opened.ttftMs)
    this.#owner.rejectResult(new Error('stream cancelled by the caller'))
    return doneResult()
  }

  /** End the stream as failed, billed for the tokens seen; returns the error to throw. */
  #fail(error: unknown): unknown {
    const { routed, call, opened, progress } = this.#streaming!
    this.#completed = true
    routed.failStreamed(call, error, 'error', progress.usage(isProviderError(error) ? error.partialUsage : undefined), opened.ttftMs)
    this.#owner.rejectResult(error)
    return error
  }
}

function doneResult(): IteratorResult<ChatStreamChunk> {
  return { value: undefined, done: true }
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
