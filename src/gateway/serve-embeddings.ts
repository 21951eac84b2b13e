import type { EmbeddingResult } from '../router/embedding-request.js'
import { abortedError, admitModel, callTags, requestedModelOf, type GatewayExchange } from './gateway-exchange.js'
import { gatewayErrorFrom } from './gateway-error-from.js'
import { readJsonBody } from './http/read-json-body.js'
import { sendJson } from './http/send-json.js'
import { encodeOpenAIEmbeddings, parseOpenAIEmbeddingRequest } from './openai/openai-embeddings.js'

/**
 * `POST /v1/embeddings` in OpenAI's format: the body checked and bounded, the model
 * resolved and admitted for the key, then one routed embeddings call (priced and
 * spanned with operation `embeddings`), aborted if the client leaves.
 */
export async function serveEmbeddings(exchange: GatewayExchange): Promise<number> {
  const body = await readJsonBody(exchange.request, exchange.generation.config.gateway.maxBodyBytes)
  const requested = requestedModelOf(body)
  const resolved = requested === undefined ? undefined : await admitModel(exchange, requested)
  const { request, encoding } = parseOpenAIEmbeddingRequest(body, resolved?.formats ?? new Set())
  if (resolved?.route !== undefined) request.route = resolved.route
  else request.model = resolved?.model
  request.tags = callTags(exchange)
  request.signal = exchange.signal
  let result: EmbeddingResult
  try {
    result = await exchange.generation.router.embed(request)
  } catch (error) {
    throw abortedError(exchange, error) ?? gatewayErrorFrom(error)
  }
  if (exchange.key !== undefined) exchange.limiter.spend(exchange.key.name, result.usage.inputTokens)
  sendJson(exchange.response, 200, encodeOpenAIEmbeddings(result, encoding), {
    'x-switchyard-cost-usd': result.costUsd,
    'x-switchyard-provider': result.provider,
    'x-switchyard-model': result.model,
    'x-switchyard-attempts': String(result.attempts.length),
  })
  return 200
}
