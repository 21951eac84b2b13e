import type { IncomingMessage, ServerResponse } from 'node:http'
import type { VirtualKeyConfig } from '../config/gateway-config.js'
import type { ExchangeAbort } from './exchange-abort.js'
import { GatewayError } from './gateway-error.js'
import type { CallerContext } from './caller-context.js'
import type { GatewayGeneration } from './gateway-generation.js'
import { keyAllowsModel } from './keys/key-allows-model.js'
import { virtualKeyTags } from './keys/virtual-key-tags.js'
import type { KeyRateLimiter } from './key-rate-limiter.js'
import type { ResolvedModel } from './resolve-model.js'

/** One model request being served: who asked, on which config, and how it is cancelled. */
export interface GatewayExchange {
  request: IncomingMessage
  response: ServerResponse
  generation: GatewayGeneration
  key: VirtualKeyConfig | undefined
  caller: CallerContext
  limiter: KeyRateLimiter
  /** Aborted when the client leaves or the request's time is up (`abort.signal`). */
  signal: AbortSignal
  /** What aborts `signal`, and whether it was the request's timeout (a 504) rather than the client. */
  abort: Pick<ExchangeAbort, 'timedOut'>
  /** Headers every answer carries, whatever its outcome (none secret). */
  answerHeaders: Record<string, string>
}

/**
 * Resolve the client's `model` (404 when it names nothing), check the key may call
 * it (403) and has room under its rate limit (429), in that order, before any work.
 * With shared rate limits the last check asks Redis, and the answer is a promise.
 */
export function admitModel(exchange: GatewayExchange, requested: string): ResolvedModel | Promise<ResolvedModel> {
  const resolved = exchange.generation.resolveModel(requested)
  const key = exchange.key
  if (key === undefined) return resolved
  if (!keyAllowsModel(key, requested)) {
    throw new GatewayError({ status: 403, code: 'forbidden', message: `key "${key.name}" may not call ${JSON.stringify(requested.slice(0, 256))}`, param: 'model' })
  }
  const admission = exchange.limiter.admit(key.name, key.rateLimit)
  return admission === undefined ? resolved : admission.then(() => resolved)
}

/** The call's reporting tags: the caller's, then the key's own and its name as `key`, which no header can override. */
export function callTags(exchange: GatewayExchange): Record<string, string> {
  return exchange.key === undefined ? { ...exchange.caller.tags } : { ...exchange.caller.tags, ...virtualKeyTags(exchange.key) }
}

/** The `model` a body names, when it is a string (the format's parser reports a bad one). */
export function requestedModelOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const model = (body as { model?: unknown }).model
  return typeof model === 'string' && model.length > 0 && model.length <= 512 ? model : undefined
}

/** The error to answer when the call was cut by the signal: the request's own timeout is a 504. */
export function abortedError(exchange: GatewayExchange, cause: unknown): GatewayError | undefined {
  if (!exchange.signal.aborted) return undefined
  return exchange.abort.timedOut
    ? new GatewayError({ status: 504, code: 'upstream_timeout', message: 'the request took longer than gateway.requestTimeoutMs', cause })
    : new GatewayError({ status: 499, code: 'request_aborted', message: 'the client closed the connection', cause })
}
