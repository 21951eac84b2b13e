import { once } from 'node:events'
import type { ServerResponse } from 'node:http'

/** Past this many pending characters the frames are written at once rather than at the end of the turn. */
const defaultMaxPendingChars = 64 * 1024

/**
 * Writes a stream's SSE frames to its response, coalescing the frames produced in one
 * event-loop turn into one write. An upstream usually sends many events in one read,
 * and one `response.write` per frame cost a socket write each (most of the gateway's
 * JavaScript time on streams); here they leave together. No frame waits for the next
 * one: what is pending is written at the end of the turn (`setImmediate`), or at once
 * past `maxPendingChars`. Backpressure is kept: once the socket's buffer is full,
 * `write` returns a promise that resolves when it drained (or the client left), and
 * the caller waits for it before producing more.
 */
export class SseWriter {
  readonly #response: ServerResponse
  readonly #maxPendingChars: number
  #pending = ''
  #scheduled: NodeJS.Immediate | undefined
  #drain: Promise<void> | undefined
  readonly #flushPending = (): void => this.#flush()

  constructor(response: ServerResponse, options: { maxPendingChars?: number } = {}) {
    this.#response = response
    this.#maxPendingChars = options.maxPendingChars ?? defaultMaxPendingChars
  }

  /**
   * Queue one frame for this turn's write. Returns a promise while the socket's buffer
   * is full (await it before writing more), undefined otherwise.
   */
  write(frame: string): Promise<void> | undefined {
    this.#pending += frame
    if (this.#pending.length >= this.#maxPendingChars) this.#flush()
    else this.#scheduled ??= setImmediate(this.#flushPending)
    return this.#drain
  }

  /** While the socket's buffer is full: resolves when it drained (or the client left). Undefined otherwise. */
  get drain(): Promise<void> | undefined {
    return this.#drain
  }

  /** Write what is pending and end the response (its trailers, if any, were added before). */
  end(): void {
    this.#cancelScheduled()
    const last = this.#pending
    this.#pending = ''
    if (last === '' || this.#response.destroyed) this.#response.end()
    else this.#response.end(last)
  }

  #flush(): void {
    this.#cancelScheduled()
    const text = this.#pending
    this.#pending = ''
    if (text === '' || this.#response.destroyed) return
    if (!this.#response.write(text) && this.#drain === undefined) {
      this.#drain = drained(this.#response).finally(() => {
        this.#drain = undefined
      })
    }
  }

  #cancelScheduled(): void {
    if (this.#scheduled === undefined) return
    clearImmediate(this.#scheduled)
    this.#scheduled = undefined
  }
}

/** Resolves when a full socket buffer drained, or the client left; no listener is left behind. */
async function drained(response: ServerResponse): Promise<void> {
  const controller = new AbortController()
  const { signal } = controller
  try {
    await Promise.race([once(response, 'drain', { signal }), once(response, 'close', { signal })])
  } catch {
    // An 'error' on the response: it is destroyed, and the next write sees that. Nothing may
    // reject here, since a drain the stream no longer waits for (it ended) has no one awaiting it.
  } finally {
    controller.abort()
  }
}
