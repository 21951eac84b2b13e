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
 * Runs an SSE body through a wire format's accumulator: yields its events, ends
 * with `finish`, and turns every way a stream can fail into a ProviderError
 * carrying the partial text and usage: a connection dropped mid-stream, a body
 * that ends before the terminal event (`stream_cut`), an abort, an error event.
 * Events after the terminal one are still read, so the connection is reusable.
 * One generator from the body's chunks to the caller: the SSE parser and the
 * accumulator run synchronously inside it, so an event costs one async step.
 */
export async function* driveStream(options: DriveStreamOptions): AsyncGenerator<StreamEvent> {
  const { accumulator, context, signal } = options
  const body = await options.open()
  const parser = new ServerSentEventParser()
  try {
    for await (const chunk of body) {
      for (const event of parser.push(chunk)) {
        for (const streamEvent of accumulator.accept(event)) yield streamEvent
      }
    }
    for (const event of parser.end()) {
      for (const streamEvent of accumulator.accept(event)) yield streamEvent
    }
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
  yield { type: 'finish', result: accumulator.result() }
}
