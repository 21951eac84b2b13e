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

async function* recordItems(options: RecordSdkStreamOptions, source: AsyncIterator<unknown>): AsyncGenerator<unknown, void, undefined> {
  const { tally, recorder } = options
  let settled = false
  try {
    for await (const item of { [Symbol.asyncIterator]: () => source }) {
      if (tally.accept(item)) recorder.firstOutput()
      if (!shown(options, item)) continue
      yield item
    }
    settled = true
    recordEnd(options)
  } catch (error) {
    settled = true
    const type = sdkErrorType(error)
    recorder.fail(error, { partial: tally.partial(), errorType: type === '_OTHER' ? 'stream_cut' : type })
    throw error
  } finally {
    // The caller broke out of its loop (the SDK's stream then aborts its request).
    if (!settled) recorder.fail(new Error('the caller stopped reading the stream'), { partial: tally.partial(), errorType: 'cancelled' })
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
