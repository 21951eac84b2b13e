import type { ChatRequest, ChatResult, ChatStream, ChatStreamChunk } from '../router/chat-request.js'
import type { GatewayError } from './gateway-error.js'

/** Provider types a route's targets speak, as `providers.<name>.type` names them. */
export type TargetFormat = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'simulated'

/** A client request, read into the router's words. */
export interface ParsedClientRequest {
  /** What the router is asked; `route` or `model` is set from the client's `model`. */
  chat: ChatRequest
  /** The client's `model` as it sent it (a route name or `provider/model`), echoed in answers. */
  requestedModel: string
  stream: boolean
  /** OpenAI: `stream_options.include_usage`; the final usage chunk only when asked. */
  includeUsage: boolean
}

export interface ParseContext {
  /** The formats of the targets the client's `model` resolves to; decides pass-through versus 400. */
  targetFormats: ReadonlySet<TargetFormat>
}

/** Where a stream encoder puts its frames, each a complete SSE event (`event:`/`data:` lines and a blank line). */
export interface FrameSink {
  write(frame: string): unknown
}

/**
 * The frames of one stream, made as its parts come: synchronous, so a chunk costs no
 * promise of its own (an async generator per stream cost several per chunk, each
 * tracked by the context manager's async hooks). `start` is called once the router's
 * first chunk (or its end) is in, then `chunk` for each chunk, then `finish` with the
 * result, or `fail` for a failure after `start` (the format's in-stream error event).
 */
export interface StreamEncoder {
  start(): void
  chunk(chunk: ChatStreamChunk): void
  finish(result: ChatResult): void
  fail(error: unknown): void
}

/**
 * One client wire format the gateway speaks (OpenAI Chat Completions, Anthropic
 * Messages). The server owns the HTTP exchange (auth, limits, headers, spans,
 * cancellation); a format owns only the translation, so adding one is a new folder.
 */
export interface WireFormat {
  /**
   * Read a client's JSON body (already bounded in size and parsed) into a router request.
   * Throws GatewayError (400, naming the field) for a missing, mistyped or unbounded field,
   * and for a field switchyard does not model when some target speaks another format.
   * When every target speaks this format, such fields pass through in `providerOptions`.
   */
  parseRequest(body: unknown, context: ParseContext): ParsedClientRequest
  /** The answer body for a finished call. */
  encodeResult(result: ChatResult, request: ParsedClientRequest): unknown
  /** The encoder of one stream's frames, writing into `sink`; the server drives it chunk by chunk. */
  streamEncoder(request: ParsedClientRequest, sink: FrameSink): StreamEncoder
  /**
   * The same frames as an async iterable, for a reader that pulls (see `encodedFrames`).
   * Nothing is produced before the router's first chunk (or its end): a call that fails
   * before then rejects the iteration, so a server can still answer with an HTTP status.
   * A failure after the first frame is this format's in-stream error event, and a reader
   * that stops early ends the router's iteration, which cancels the call.
   */
  encodeStream(stream: ChatStream, request: ParsedClientRequest): AsyncIterable<string>
  /** The error body of this format for a refusal or failure. */
  encodeError(error: GatewayError): unknown
}
