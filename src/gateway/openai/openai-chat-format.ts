import type { WireFormat } from '../wire-format.js'
import { parseOpenAIChatRequest } from './openai-chat-request.js'
import { encodeOpenAIChatResult } from './openai-chat-result.js'
import { encodeOpenAIChatStream, OpenAIChatStreamEncoder } from './openai-chat-stream.js'
import { openAIErrorBody } from './openai-error-body.js'

/** OpenAI Chat Completions, served at `POST /v1/chat/completions`. */
export const openAIChatFormat: WireFormat = {
  parseRequest: parseOpenAIChatRequest,
  encodeResult: (result) => encodeOpenAIChatResult(result),
  streamEncoder: (request, sink) => new OpenAIChatStreamEncoder(request, sink),
  encodeStream: encodeOpenAIChatStream,
  encodeError: openAIErrorBody,
}
