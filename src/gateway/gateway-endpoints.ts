import type { ModelEndpoint } from './handle-gateway-request.js'
import { openAIChatFormat } from './openai/openai-chat-format.js'
import { serveChat } from './serve-chat.js'

/** The model endpoints the gateway serves, by path; each answers errors in its own format. */
export const gatewayEndpoints: ReadonlyMap<string, ModelEndpoint> = new Map<string, ModelEndpoint>([
  ['/v1/chat/completions', { kind: 'chat', format: openAIChatFormat, serve: serveChat }],
])
