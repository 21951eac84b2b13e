import { diag } from '@opentelemetry/api'
import type { CallRecorder } from './begin-call.js'
import { sdkErrorType } from './sdk-error-type.js'
import type { StreamEnding, StreamTally } from './stream-tally.js'

/** The parts of an SDK `Stream` (openai and @anthropic-ai/sdk share the shape) that are used here. */
export interface SdkStream {
  controller: AbortController
  [Symbol.asyncIterator](): AsyncIterator<unknown>
}

type SdkStreamClass = new (iterator: () => AsyncIterator<unknown>, controller: AbortController, client: unknown) => SdkStream

export interface RecordSdkStreamOptions {
  stream: SdkStream
  /** The SDK client the stream was parsed for (its logger). */
  client: unknown
  tally: StreamTally
  recorder: CallRecorder
  /** Whether the caller sees an item (it may also trim it); absent shows every item untouched. */
  show?: (item: unknown) => boolean
}

/**
 * A stream of the SDK's own class, with the same controller, whose items pass
 * through a tally on their way to the caller: `tee()`, `toReadableStream()`,
 * `controller.abort()` and async iteration all behave as on the SDK's stream,
 * which is read lazily, when the caller first iterates. The call is recorded when
 * the stream ends, fails, or the caller stops reading it.
 */
export function recordSdkStream(options: RecordSdkStreamOptions): SdkStream {
  const { stream } = options
  const StreamClass = stream.constructor as SdkStreamClass
  return new StreamClass(() => recordItems(options, stream[Symbol.asyncIterator]()), stream.controller, options.client)
}

/**
 * The SDK's iterator, observed: each item is tallied as its `next()` settles, so
 * it costs the caller one promise hop (an async generator around it would cost
 * several). Like an async generator, it serves overlapping `next()` calls (the
 * SDK's `tee()` makes them) in order. The call is recorded when the iterator ends
 * or fails, or when the caller stops reading (`return()`, `throw()`).
 */
function recordItems(options: RecordSdkStreamOptions, source: AsyncIterator<unknown>): AsyncIterator<unknown> {
  const { tally, recorder } = options
  let settled = false
  let sawOutput = false
  /** `next()` calls not answered yet; while there are any, a new one waits for the last. */
  let waiting = 0
  let latest: Promise<IteratorResult<unknown>> | undefined

  const onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done === true) {
      waiting -= 1
      if (!settled) {
        settled = true
        recordEnd(options)
      }
      return result
    }
    if (!settled) {
      if (tally.accept(result.value) && !sawOutput) {
        sawOutput = true
        recorder.firstOutput()
      }
    }
    // A hidden item is skipped: the caller's request is answered by the next one.
    if (!shown(options, result.value)) return source.next().then(onResult, onError)
    waiting -= 1
    return result
  }
  const fail = (error: unknown): void => {
    if (settled) return
    settled = true
    const type = sdkErrorType(error)
    recorder.fail(error, { partial: tally.partial(), errorType: type === '_OTHER' ? 'stream_cut' : type })
  }
  const onError = (error: unknown): never => {
    waiting -= 1
    fail(error)
    throw error
  }
  const pull = (): Promise<IteratorResult<unknown>> => source.next().then(onResult, onError)

  return {
    next() {
      const answer = waiting === 0 || latest === undefined ? pull() : latest.then(pull, pull)
      waiting += 1
      latest = answer
      return answer
    },
    async return(value?: unknown) {
      // The caller stopped reading (the SDK's stream then aborts its request).
      if (!settled) {
        settled = true
        recorder.fail(new Error('the caller stopped reading the stream'), { partial: tally.partial(), errorType: 'cancelled' })
      }
      if (source.return === undefined) return { done: true, value }
      return source.return(value)
    },
    async throw(error?: unknown) {
      fail(error)
      if (source.throw !== undefined) return source.throw(error)
      await source.return?.()
      throw error
    },
  }
}

function recordEnd(options: RecordSdkStreamOptions): void {
  const { tally, recorder } = options
  let ending: StreamEnding
  try {
    ending = tally.ending()
  } catch (error) {
    diag.warn(`switchyard: cannot read the end of a stream: ${String(error)}`)
    ending = { state: 'unreadable' }
  }
  if (ending.state === 'finished') {
    recorder.succeed({ result: ending.result, usage: ending.usageReported ? ending.result.usage : undefined })
  } else if (ending.state === 'unreadable') {
    recorder.succeed({})
  } else if (options.stream.controller.signal.aborted) {
    // The SDK ends an aborted stream quietly; the call was cancelled, not cut.
    recorder.fail(new Error('the caller aborted the stream'), { partial: tally.partial(), errorType: 'cancelled' })
  } else {
    recorder.fail(new Error('the stream ended before its final event'), { partial: tally.partial(), errorType: 'stream_cut' })
  }
}

function shown(options: RecordSdkStreamOptions, item: unknown): boolean {
  if (options.show === undefined) return true
  try {
    return options.show(item)
  } catch (error) {
    diag.warn(`switchyard: cannot filter a streamed item: ${String(error)}`)
    return true
  }
}
