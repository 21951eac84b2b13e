import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { PartialOutput } from '../model-call/partial-output.js'
import type { StreamEvent } from './provider.js'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'
import { providerErrorFromFailure } from './provider-error-from-failure.js'
import { ServerSentEventParser, type ServerSentEvent } from './sse.js'
import type { AbortWatch } from '../shared/abort-watch.js'

/** The per-wire-format half of a stream: turns provider events into normalized ones. */
export interface StreamAccumulator {
  /** Handles one event; throws ProviderError for an error the provider reports inside the stream. */
  accept(event: ServerSentEvent): StreamEvent[]
  /**
   * Handles the data of one event that is already parsed from its JSON text (the
   * items of an official SDK's stream), validated as `accept` validates it, without
   * a round trip through JSON text.
   */
  acceptParsed(data: unknown): StreamEvent[]
  /** True once the provider's terminal event arrived (OpenAI `[DONE]`, Anthropic `message_stop`, ...). */
  readonly complete: boolean
  /** The final result; only called when complete. */
  result(): ModelCallResult
  /** What arrived so far, for an error that ends the stream. */
  partial(): PartialOutput
}

export interface DriveStreamOptions {
  /**
   * Sends the request and resolves with the open SSE body. Called when the stream is
   * first read; what it throws (an HTTP error as a ProviderError) passes through as is.
   */
  open: () => Promise<AsyncIterable<Uint8Array>>
  accumulator: StreamAccumulator
  context: ProviderErrorContext
  signal?: AbortWatch
}

/**
 * A provider's stream, opened when first read. Iterated as it is, it yields one
 * event at a time (the Provider interface); `batches()` yields the events of each
 * body chunk together, so a reader that loops over them itself (the routed stream)
 * pays one async step per chunk, not one per event: with 30 events in a chunk, the
 * steps of a nested async generator were most of a stream's per-event cost.
 */
export class ProviderEventStream implements AsyncIterable<StreamEvent> {
  readonly #options: DriveStreamOptions

  constructor(options: DriveStreamOptions) {
    this.#options = options
  }

  [Symbol.asyncIterator](): AsyncGenerator<StreamEvent> {
    return eachEvent(this.batches())
  }

  /** The events in the order they came, each non-empty batch those of one body chunk; the last batch ends with `finish`. */
  batches(): AsyncGenerator<readonly StreamEvent[]> {
    return driveStreamBatches(this.#options)
  }
}

/** The events of `stream` in batches: a ProviderEventStream's own, else each event as a batch of one. */
export function streamEventBatches(stream: AsyncIterable<StreamEvent>): AsyncIterator<readonly StreamEvent[]> {
  return stream instanceof ProviderEventStream ? stream.batches() : singleEventBatches(stream)
}

/**
 * Runs an SSE body through a wire format's accumulator (see ProviderEventStream).
 * The stream ends with `finish`, and every way a stream can fail becomes a
 * ProviderError carrying the partial text and usage: a connection dropped
 * mid-stream, a body that ends before the terminal event (`stream_cut`), an abort,
 * an error event. Events after the terminal one are still read, so the connection
 * is reusable.
 */
export function driveStream(options: DriveStreamOptions): ProviderEventStream {
  return new ProviderEventStream(options)
}

/**
 * One generator from the body's chunks to the reader: the SSE parser and the
 * accumulator run synchronously inside it. The events a chunk completed before an
 * error in it are handed over before the error is thrown, as one by one they were.
 */
async function* driveStreamBatches(options: DriveStreamOptions): AsyncGenerator<readonly StreamEvent[]> {
  const { accumulator, context, signal } = options
  const body = await options.open()
  const parser = new ServerSentEventParser()
  try {
    for await (const chunk of body) {
      const events: StreamEvent[] = []
      const failure = acceptAll(accumulator, parser.push(chunk), events)
      if (events.length > 0) yield events
      if (failure !== undefined) throw failure.error
    }
    const events: StreamEvent[] = []
    const failure = acceptAll(accumulator, parser.end(), events)
    if (events.length > 0) yield events
    if (failure !== undefined) throw failure.error
  } catch (error) {
    throw providerErrorFromFailure({ error, context, signal, phase: 'stream' }).withPartial(accumulator.partial())
  }
  if (!accumulator.complete) {
    if (signal?.aborted === true) {
      throw providerErrorFromFailure({ error: signal.reason, context, signal, phase: 'stream' }).withPartial(
        accumulator.partial(),
      )
    }
    throw new ProviderError({
      ...context,
      code: 'stream_cut',
      message: 'the stream ended before its final event.',
      partial: accumulator.partial(),
    })
  }
  yield [{ type: 'finish', result: accumulator.result() }]
}

/** Accepts `events` in order into `into`; what the first failing one threw, if one did. */
function acceptAll(accumulator: StreamAccumulator, events: readonly ServerSentEvent[], into: StreamEvent[]): { error: unknown } | undefined {
  try {
    for (const event of events) {
      for (const streamEvent of accumulator.accept(event)) into.push(streamEvent)
    }
  } catch (error) {
    return { error }
  }
  return undefined
}

async function* eachEvent(batches: AsyncGenerator<readonly StreamEvent[]>): AsyncGenerator<StreamEvent> {
  for await (const batch of batches) {
    for (const event of batch) yield event
  }
}

async function* singleEventBatches(stream: AsyncIterable<StreamEvent>): AsyncGenerator<readonly StreamEvent[]> {
  for await (const event of stream) yield [event]
}
