import type { WireFormat } from '../wire-format.js'
import { anthropicErrorBody } from './anthropic-error-body.js'
import { anthropicResultBody } from './anthropic-result-body.js'
import { AnthropicStreamEncoder, anthropicStreamFrames } from './anthropic-stream-frames.js'
import { parseAnthropicRequest } from './parse-anthropic-request.js'

/**
 * The Anthropic Messages format (`POST /v1/messages`), so Anthropic's SDKs and tools
 * built on them (Claude Code, ...) reach every target of the router: requests read
 * into switchyard's words, answers and streams written in Anthropic's, errors as
 * `{ type: 'error', error: { type, message } }`.
 */
export const anthropicMessagesFormat: WireFormat = {
  parseRequest: parseAnthropicRequest,
  encodeResult: anthropicResultBody,
  streamEncoder: (request, sink) => new AnthropicStreamEncoder(request, sink),
  encodeStream: anthropicStreamFrames,
  encodeError: anthropicErrorBody,
}
