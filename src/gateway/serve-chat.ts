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
  sendJson(exchange.response, 200, format.encodeResult(result, parsed), Object.assign({}, exchange.answerHeaders, resultHeaders(result)))
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

/** The headers of every stream, made once (assigned per answer: a spread after literal keys is a slow path on Node 20). */
const streamHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

/** The cost is known only at the end: it follows the body as a trailer (and is in the usage chunk when asked). */
const costTrailer: Readonly<Record<string, string>> = { trailer: 'x-switchyard-cost-usd' }

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
 * the format's in-stream error event. The format's encoder turns each chunk into frames
 * as it comes (no promise per frame); the frames of one event-loop turn are written
 * together at its end (SseWriter), waiting for the socket to drain, and the client
 * leaving ends the router's iteration, which cancels the call.
 */
async function serveStream(exchange: GatewayExchange, format: WireFormat, parsed: ParsedClientRequest): Promise<number> {
  // `result` is not touched before the deltas are read: reading it alone consumes the stream.
  const stream = exchange.generation.router.stream(parsed.chat)
  const iterator = stream[Symbol.asyncIterator]()
  let next: IteratorResult<ChatStreamChunk>
  try {
    next = await iterator.next()
  } catch (error) {
    throw abortedError(exchange, error) ?? gatewayErrorFrom(error)
  }
  const { response } = exchange
  const onClose = (): void => stream.cancel()
  response.once('close', onClose)
  response.writeHead(200, Object.assign({}, streamHeaders, exchange.answerHeaders, streamTargetHeaders(stream.target), costTrailer))
  const writer = new SseWriter(response)
  const encoder = format.streamEncoder(parsed, writer)
  let result: ChatResult | undefined
  let ended = false
  try {
    encoder.start()
    while (next.done !== true && !response.destroyed) {
      encoder.chunk(next.value)
      const full = writer.drain
      if (full !== undefined) await full
      next = await iterator.next()
    }
    ended = next.done === true
    // Settled once the chunks ran out: the router resolves it before it ends its iteration.
    if (ended && !response.destroyed) {
      result = await stream.result
      encoder.finish(result)
    }
  } catch (error) {
    // The iteration failed (it has ended), or the encoder refused a chunk (it has not).
    result = undefined
    if (!response.destroyed) encoder.fail(abortedError(exchange, error) ?? error)
  } finally {
    response.off('close', onClose)
    if (!ended) await cancelIteration(stream, iterator)
    if (result !== undefined) response.addTrailers({ 'x-switchyard-cost-usd': result.costUsd })
    writer.end()
  }
  if (result !== undefined) spendTokens(exchange, result)
  return 200
}

/** Cancel a stream the client no longer reads: the router's iteration ends and the call is recorded as cancelled. */
async function cancelIteration(stream: ChatStream, iterator: AsyncIterator<ChatStreamChunk>): Promise<void> {
  stream.cancel()
  try {
    await iterator.return?.()
  } catch {
    // It failed already; that failure was recorded by the router.
  }
}
