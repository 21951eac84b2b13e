import { streamEventBatches } from '../providers/drive-stream.js'
import { ProviderError } from '../providers/provider-error.js'
import type { CallScope } from '../telemetry/workflow-context.js'
import type { AttemptCall } from './attempt-call.js'
import type { ChatRequest, ChatResult, ChatStream, ChatStreamChunk, StreamTarget } from './chat-request.js'
import { chatOperation } from './chat-operation.js'
import { routeAttempts } from './route-attempts.js'
import { RoutedCall } from './routed-call.js'
import { RoutedStreamReader, type OpenedStream, type StreamOwner } from './routed-stream-reader.js'
import type { RouterParts } from './router-parts.js'

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
  readonly #owner: RoutedStreamOwner
  #reader: RoutedStreamReader | undefined

  constructor(options: OpenRoutedStreamOptions) {
    this.#owner = new RoutedStreamOwner(options)
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatStreamChunk> {
    return this.#start()
  }

  get result(): Promise<ChatResult> {
    if (this.#reader === undefined) {
      // Nobody iterates: drain the stream here so the result still arrives.
      const reader = this.#start()
      void (async () => {
        try {
          for (let step = await reader.next(); step.done !== true; step = await reader.next()) { /* discard */ }
        } catch {
          // The rejection reaches the caller through `result`.
        }
      })()
    }
    return this.#owner.result
  }

  cancel(): void {
    this.#owner.cancelled = true
  }

  get target(): StreamTarget | undefined {
    return this.#owner.target
  }

  #start(): RoutedStreamReader {
    this.#reader ??= new RoutedStreamReader(this.#owner)
    return this.#reader
  }
}

/** The routed call behind a stream, as its reader sees it; not part of what the caller holds. */
class RoutedStreamOwner implements StreamOwner {
  readonly result: Promise<ChatResult>
  cancelled = false
  target: StreamTarget | undefined
  readonly #options: OpenRoutedStreamOptions
  #resolveResult!: (result: ChatResult) => void
  #rejectResult!: (error: unknown) => void

  constructor(options: OpenRoutedStreamOptions) {
    this.#options = options
    this.result = new Promise<ChatResult>((resolve, reject) => {
      this.#resolveResult = resolve
      this.#rejectResult = reject
    })
    // A caller that only iterates must not get an unhandled rejection from `result`.
    this.result.catch(() => undefined)
  }

  setTarget(target: StreamTarget): void {
    this.target = target
  }

  resolveResult(result: ChatResult): void {
    this.#resolveResult(result)
  }

  rejectResult(error: unknown): void {
    this.#rejectResult(error)
  }

  /** Prepare the routed call and try targets until one sends its first event. */
  async open(): Promise<{ routed: RoutedCall; call: AttemptCall; opened: OpenedStream }> {
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
