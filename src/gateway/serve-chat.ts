import type { ChatRequest, ChatResult, ChatStream, ChatStreamChunk, StreamTarget } from '../router/chat-request.js'
import { abortedError, admitModel, callTags, requestedModelOf, type GatewayExchange } from './gateway-exchange.js'
import { gatewayErrorFrom } from './gateway-error-from.js'
import { readJsonBody } from './http/read-json-body.js'
import { sendJson } from './http/send-json.js'
import { SseWriter } from './http/sse-writer.js'
import type { ParsedClientRequest, WireFormat } from './wire-format.js'

/**
 * Serve one chat request in a client's wire format: read and check the body, resolve
 * and admit the model, then call the router with the caller's tags and the exchange's
 * signal (a client that leaves aborts the provider call). Refusals and failures throw
 * a GatewayError for the caller to answer; the answer's status is returned.
 */
export async function serveChat(exchange: GatewayExchange, format: WireFormat): Promise<number> {
  const body = await readJsonBody(exchange.request, exchange.generation.config.gateway.maxBodyBytes)
  const requested = requestedModelOf(body)
  const resolved = requested === undefined ? undefined : await admitModel(exchange, requested)
  const parsed = format.parseRequest(body, { targetFormats: resolved?.formats ?? new Set() })
  const chat: ChatRequest = parsed.chat
  delete chat.route
  delete chat.model
  if (resolved?.route !== undefined) chat.route = resolved.route
  else chat.model = resolved?.model ?? parsed.requestedModel
  chat.tags = { ...chat.tags, ...callTags(exchange) }
  chat.signal = exchange.signal
  return parsed.stream ? serveStream(exchange, format, parsed) : servePlain(exchange, format, parsed)
}

async function servePlain(exchange: GatewayExchange, format: WireFormat, parsed: ParsedClientRequest): Promise<number> {
  let result: ChatResult
  try {
    result = await exchange.generation.router.chat(parsed.chat)
  } catch (error) {
    throw abortedError(exchange, error) ?? gatewayErrorFrom(error)
  }
  spendTokens(exchange, result)
  sendJson(exchange.response, 200, format.encodeResult(result, parsed), { ...exchange.answerHeaders, ...resultHeaders(result) })
  return 200
}

/** The `x-switchyard-*` headers of a finished call. */
export function resultHeaders(result: ChatResult): Record<string, string> {
  return {
    'x-switchyard-cost-usd': result.costUsd,
    'x-switchyard-provider': result.provider,
    'x-switchyard-model': result.model,
    'x-switchyard-attempts': String(result.attempts.length),
  }
}

/** What a stream's headers can say of its call: who answers (the cost follows as a trailer). */
function streamTargetHeaders(target: StreamTarget | undefined): Record<string, string> {
  if (target === undefined) return {}
  return { 'x-switchyard-provider': target.provider, 'x-switchyard-model': target.model, 'x-switchyard-attempts': String(target.attempt) }
}

function spendTokens(exchange: GatewayExchange, result: ChatResult): void {
  if (exchange.key !== undefined) exchange.limiter.spend(exchange.key.name, result.usage.inputTokens + result.usage.outputTokens)
}

/**
 * A stream answers with an HTTP error until its first chunk (the router retries and
 * falls back until then); from the first chunk on, the status is 200 and a failure is
 * the format's in-stream error event. The frames of one event-loop turn are written
 * together at its end (SseWriter), waiting for the socket to drain, and the client
 * leaving cancels the routed stream.
 */
async function serveStream(exchange: GatewayExchange, format: WireFormat, parsed: ParsedClientRequest): Promise<number> {
  // `result` is not touched before the deltas are read: reading it alone consumes the stream.
  const stream = exchange.generation.router.stream(parsed.chat)
  const iterator = stream[Symbol.asyncIterator]()
  let first: IteratorResult<ChatStreamChunk>
  try {
    first = await iterator.next()
  } catch (error) {
    throw abortedError(exchange, error) ?? gatewayErrorFrom(error)
  }
  const { response } = exchange
  const onClose = (): void => stream.cancel()
  response.once('close', onClose)
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...exchange.answerHeaders,
    ...streamTargetHeaders(stream.target),
    // The cost is known only at the end: it follows the body as a trailer (and in the usage chunk when asked).
    trailer: 'x-switchyard-cost-usd',
  })
  const writer = new SseWriter(response)
  let complete = false
  let result: ChatResult | undefined
  try {
    for await (const frame of format.encodeStream(replayFirst(exchange, stream, iterator, first), parsed)) {
      if (response.destroyed) break
      const full = writer.write(frame)
      if (full !== undefined) await full
    }
    complete = !response.destroyed
    // Settled once the frames ran out: the format read it for its last event.
    if (complete) result = await stream.result.catch(() => undefined)
  } finally {
    response.off('close', onClose)
    if (!complete) stream.cancel()
    if (result !== undefined) response.addTrailers({ 'x-switchyard-cost-usd': result.costUsd })
    writer.end()
  }
  if (result !== undefined) spendTokens(exchange, result)
  return 200
}

/**
 * The routed stream with its first chunk, already read, put back in front. A failure
 * caused by the exchange's own signal (the request's time is up) is told as such, so
 * the format's in-stream error says 504 rather than "aborted".
 */
function replayFirst(exchange: GatewayExchange, stream: ChatStream, iterator: AsyncIterator<ChatStreamChunk>, first: IteratorResult<ChatStreamChunk>): ChatStream {
  const told = (error: unknown): unknown => abortedError(exchange, error) ?? error
  return {
    get result() {
      return stream.result.catch((error: unknown) => Promise.reject(told(error)))
    },
    cancel: () => stream.cancel(),
    get target() {
      return stream.target
    },
    // An iterator of its own rather than an async generator: a generator would add its promises and a resumption to every chunk.
    [Symbol.asyncIterator](): AsyncIterator<ChatStreamChunk> {
      let replay: IteratorResult<ChatStreamChunk> | undefined = first
      let finished = first.done === true
      return {
        next(): Promise<IteratorResult<ChatStreamChunk>> {
          if (replay !== undefined) {
            const value = replay
            replay = undefined
            return Promise.resolve(value)
          }
          if (finished) return Promise.resolve({ done: true, value: undefined })
          return iterator.next().then(
            (next) => {
              if (next.done === true) finished = true
              return next
            },
            (error: unknown) => {
              finished = true
              return Promise.reject(told(error))
            },
          )
        },
        async return(): Promise<IteratorResult<ChatStreamChunk>> {
          finished = true
          replay = undefined
          return { done: true, value: undefined }
        },
      }
    },
  }
}
