import { anthropicMessagesFormat } from './anthropic/anthropic-messages-format.js'
import type { ModelEndpoint } from './handle-gateway-request.js'
import { openAIChatFormat } from './openai/openai-chat-format.js'
import { serveChat } from './serve-chat.js'
import { serveEmbeddings } from './serve-embeddings.js'

/** The model endpoints the gateway serves, by path; each answers errors in its own format. */
export const gatewayEndpoints: ReadonlyMap<string, ModelEndpoint> = new Map<string, ModelEndpoint>([
  ['/v1/chat/completions', { kind: 'chat', format: openAIChatFormat, serve: serveChat }],
  ['/v1/messages', { kind: 'chat', format: anthropicMessagesFormat, serve: serveChat }],
  ['/v1/embeddings', { kind: 'embeddings', format: openAIChatFormat, serve: serveEmbeddings }],
])
