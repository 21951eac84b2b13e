import type { ChatStream } from '../router/chat-request.js'
import type { FrameSink, StreamEncoder } from './wire-format.js'

/**
 * A stream's frames as an async iterable, made by a format's StreamEncoder: for a
 * reader that pulls frames one at a time (the server drives the encoder itself). The
 * first chunk is awaited before any frame, so a call that fails before it rejects the
 * iteration; a later failure is the encoder's in-stream error; a reader that stops
 * early ends the router's iteration, which cancels the call.
 */
export async function* encodedFrames(stream: ChatStream, encoderOf: (sink: FrameSink) => StreamEncoder): AsyncGenerator<string> {
  // The iterator first: a routed stream's result read before anyone iterates drains the stream itself.
  const iterator = stream[Symbol.asyncIterator]()
  // The result rejects along with the iteration; that is reported through the iteration.
  void stream.result.catch(() => undefined)
  const pending: string[] = []
  const encoder = encoderOf({ write: (frame: string) => pending.push(frame) })
  let next = await iterator.next()
  let ended = false
  try {
    encoder.start()
    while (next.done !== true) {
      encoder.chunk(next.value)
      yield* taken(pending)
      next = await iterator.next()
    }
    ended = true
    encoder.finish(await stream.result)
  } catch (error) {
    encoder.fail(error)
  } finally {
    if (!ended) await endIteration(iterator)
  }
  yield* taken(pending)
}

/** The frames pending, removed from the list. */
function taken(pending: string[]): string[] {
  return pending.splice(0, pending.length)
}

/** Ends the router's iteration (cancelling the call); an iteration that already failed has nothing to end. */
async function endIteration(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.()
  } catch {
    // It failed already, and that failure is what the client was told.
  }
}
