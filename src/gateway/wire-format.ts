import type { ChatRequest, ChatResult, ChatStream } from '../router/chat-request.js'
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
  /**
   * The SSE frames of a stream, each a complete `event:`/`data:` block ending in a blank line.
   * The server writes them as they come and stops reading when the client leaves.
   * A failure after the first frame is written as this format's in-stream error event.
   */
  encodeStream(stream: ChatStream, request: ParsedClientRequest): AsyncIterable<string>
  /** The error body of this format for a refusal or failure. */
  encodeError(error: GatewayError): unknown
}
