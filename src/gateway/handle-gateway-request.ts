import type { IncomingMessage, ServerResponse } from 'node:http'
import { context as otelContext, diag, propagation, type Context } from '@opentelemetry/api'
import type { CollectorPipeline } from '../collector/open-collector-pipeline.js'
import { SwitchyardError } from '../errors/switchyard-error.js'
import { errorSummary } from '../shared/error-summary.js'
import { authenticate } from './authenticate.js'
import { readCallerContext, type CallerContext } from './caller-context.js'
import { ExchangeAbort } from './exchange-abort.js'
import { GatewayError } from './gateway-error.js'
import { gatewayErrorFrom } from './gateway-error-from.js'
import type { GatewayExchange } from './gateway-exchange.js'
import type { GatewayGeneration } from './gateway-generation.js'
import { countedEndpoints, type GatewayEndpoint, type GatewayMetrics } from './gateway-metrics.js'
import type { LoopbackHostCheck } from './http/loopback-host-check.js'
import { sendError, sendJson } from './http/send-json.js'
import type { KeyRateLimiter } from './key-rate-limiter.js'
import { listModels } from './list-models.js'
import { openAIErrorBody } from './openai/openai-error-body.js'
import { ServerSpan } from './server-span.js'
import type { WireFormat } from './wire-format.js'
import { serveUi } from '../ui/serve-ui.js'

/** What the request handler needs of the running gateway. */
export interface GatewayRuntime {
  /** The generation new requests take (the latest config that loaded). */
  generation(): GatewayGeneration
  limiter: KeyRateLimiter
  metrics: GatewayMetrics
  pipeline: CollectorPipeline
  /** POST endpoints served by a model call: a chat format, or the embeddings handler. */
  endpoints: ReadonlyMap<string, ModelEndpoint>
  serverPort(): number
  isClosing(): boolean
  /**
   * Without keys the gateway serves loopback only; a request whose Host is not a
   * loopback name is refused too, so a web page cannot reach it by DNS rebinding.
   */
  requireLoopbackHost: boolean
  /** The Host check of `requireLoopbackHost`, remembered per Host value. */
  loopbackHosts: LoopbackHostCheck
}

export type ModelEndpoint =
  | { kind: 'chat'; format: WireFormat; serve: (exchange: GatewayExchange, format: WireFormat) => Promise<number> }
  | { kind: 'embeddings'; format: WireFormat; serve: (exchange: GatewayExchange) => Promise<number> }

/** Probes answer without a key, so an orchestrator can check a gateway that has keys. */
const probePaths = new Set(['/healthz', '/readyz'])

/**
 * Answer one HTTP request: probes and the collector's routes through the pipeline,
 * `/metrics` and `/v1/models` here, model endpoints through their handler inside a
 * SERVER span. Every request but the probes needs a valid key when keys are
 * configured. Never rejects: whatever fails is answered in the endpoint's format.
 */
export async function handleGatewayRequest(runtime: GatewayRuntime, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/'
  const endpoint = runtime.endpoints.get(path)
  const encodeError = endpoint?.format.encodeError ?? openAIErrorBody
  const counted: GatewayEndpoint = (countedEndpoints as readonly string[]).includes(path) ? (path as GatewayEndpoint) : 'other'
  runtime.metrics.inFlight += 1
  try {
    if (probePaths.has(path)) {
      await runtime.pipeline.handle(request, response, { detailed: passesDoor(runtime, request) })
      return
    }
    if (runtime.isClosing()) {
      throw new GatewayError({ status: 503, code: 'gateway_unavailable', message: 'the gateway is shutting down', retryAfterSeconds: 1 })
    }
    if (runtime.requireLoopbackHost && !runtime.loopbackHosts.isLoopback(request.headers.host ?? '')) {
      throw new GatewayError({ status: 403, code: 'forbidden', message: 'this gateway has no keys and answers requests to a loopback Host only' })
    }
    const generation = runtime.generation()
    // This request is counted in inFlight already. /metrics stays open at the limit: that is when monitoring needs it.
    if (path !== '/metrics' && runtime.metrics.inFlight > generation.config.gateway.maxConcurrentRequests) {
      throw new GatewayError({ status: 503, code: 'gateway_unavailable', message: `the gateway is serving its maximum of ${generation.config.gateway.maxConcurrentRequests} requests at once`, retryAfterSeconds: 1 })
    }
    if (path === '/ui' || path.startsWith('/ui/')) {
      if (await serveWebView(runtime, generation, request, response)) return
    }
    const key = authenticate(request.headers, generation.keys)
    if (endpoint !== undefined) {
      if (request.method !== 'POST') throw methodNotAllowed(request.method, 'POST')
      const status = await serveModelEndpoint({ runtime, generation, request, response, endpoint, path, key })
      runtime.metrics.countAnswer(counted, status)
      return
    }
    if (path === '/v1/models' || path === '/metrics' || path.startsWith('/v1/models/')) {
      if (request.method !== 'GET') throw methodNotAllowed(request.method, 'GET')
      if (path === '/v1/models') sendJson(response, 200, listModels(generation.config, key))
      else if (path === '/metrics') sendText(response, runtime.metrics.render() + runtime.pipeline.renderMetrics())
      else sendJson(response, 200, findModel(generation, key, path.slice('/v1/models/'.length)))
      runtime.metrics.countAnswer(counted, 200)
      return
    }
    if (await runtime.pipeline.handle(request, response)) return
    throw new GatewayError({ status: 404, code: 'model_not_found', message: `no endpoint at ${JSON.stringify(path.slice(0, 128))}` })
  } catch (error) {
    const refusal = GatewayError.isInstance(error) ? error : gatewayErrorFrom(error)
    if (!GatewayError.isInstance(error)) diag.error(`switchyard gateway: unexpected error on ${counted}: ${errorSummary(error)}`)
    runtime.metrics.countRefusal(refusal.code)
    runtime.metrics.countAnswer(counted, refusal.status)
    sendError(response, refusal, encodeError)
  } finally {
    runtime.metrics.inFlight -= 1
  }
}

interface ModelCall {
  runtime: GatewayRuntime
  generation: GatewayGeneration
  request: IncomingMessage
  response: ServerResponse
  endpoint: ModelEndpoint
  path: string
  key: GatewayExchange['key']
}

/**
 * A model endpoint's call inside its SERVER span and the caller's workflow: the
 * generation is held until the answer ends (a reload does not close its router under
 * it), and the call is aborted when the client leaves or the request's time is up.
 */
async function serveModelEndpoint(call: ModelCall): Promise<number> {
  const { runtime, generation, request, response, endpoint } = call
  const caller = readCallerContext(request.headers)
  // The connection's own port (kept by the socket once read) is the one the server listens on; asking the server costs a system call per request.
  const span = new ServerSpan({ request, route: call.path, parent: caller.parent, serverPort: request.socket.localPort ?? runtime.serverPort() })
  const abort = new ExchangeAbort(generation.config.gateway.requestTimeoutMs)
  const onClose = (): void => {
    if (!response.writableFinished) abort.clientLeft()
  }
  response.once('close', onClose)
  const exchange: GatewayExchange = {
    request, response, generation, key: call.key, caller, limiter: runtime.limiter,
    signal: abort.signal, abort, answerHeaders: {},
  }
  generation.acquire()
  let status = 500
  let errorType: string | undefined
  try {
    status = await otelContext.with(withCallerBaggage(span.context, caller), () =>
      endpoint.kind === 'chat' ? endpoint.serve(exchange, endpoint.format) : endpoint.serve(exchange))
    return status
  } catch (error) {
    // The router's own errors are answers; anything else is a bug worth a log line (its summary has no key).
    if (!SwitchyardError.isInstance(error)) diag.error(`switchyard gateway: unexpected error on ${call.path}: ${errorSummary(error)}`)
    const refusal = GatewayError.isInstance(error) ? error : gatewayErrorFrom(error)
    status = refusal.status
    errorType = refusal.code
    throw refusal
  } finally {
    response.off('close', onClose)
    abort.dispose()
    generation.release()
    span.end(status, errorType)
  }
}

/**
 * The context the router call runs in: the SERVER span active, and the caller's
 * workflow, step and run id as switchyard's baggage entries, which the router reads as
 * the call's scope (no workflow or step span is opened per request: a run spans many
 * requests). Tags go on the request itself.
 */
function withCallerBaggage(parent: Context, caller: CallerContext): Context {
  const entries: Record<string, { value: string }> = {}
  if (caller.workflow !== undefined) entries['switchyard.workflow'] = { value: caller.workflow }
  if (caller.runId !== undefined) entries['switchyard.workflow.run_id'] = { value: caller.runId }
  if (caller.step !== undefined) entries['switchyard.step'] = { value: caller.step }
  if (Object.keys(entries).length === 0) return propagation.deleteBaggage(parent)
  return propagation.setBaggage(parent, propagation.createBaggage(entries))
}

/** `GET /v1/models/{id}`: the listed model, or a 404 naming it (an id the key may not use is not listed). */
function findModel(generation: GatewayGeneration, key: GatewayExchange['key'], encoded: string): unknown {
  let id = encoded
  try {
    id = decodeURIComponent(encoded)
  } catch {
    // Left as sent: it matches no model and is answered 404.
  }
  const found = listModels(generation.config, key).data.find((model) => (model as { id: string }).id === id)
  if (found === undefined) throw new GatewayError({ status: 404, code: 'model_not_found', message: `model ${JSON.stringify(id.slice(0, 256))} is not listed for this key`, param: 'model' })
  return found
}

/** Whether a probe may show its details: it came with a valid key, or the gateway needs none. */
function passesDoor(runtime: GatewayRuntime, request: IncomingMessage): boolean {
  try {
    authenticate(request.headers, runtime.generation().keys)
    return true
  } catch {
    return false
  }
}

function methodNotAllowed(method: string | undefined, allowed: string): GatewayError {
  return new GatewayError({ status: 405, code: 'request_invalid', message: `method ${JSON.stringify((method ?? '').slice(0, 16))} is not allowed here; use ${allowed}`, retryAfterSeconds: undefined })
}

function sendText(response: ServerResponse, text: string): void {
  response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
  response.end(text)
}

/**
 * The web view at /ui/: read-only, behind the same keys as the endpoints. A browser
 * cannot send a bearer token of its own, so a 401 here asks for the key as the
 * password of HTTP Basic (any user name). Budgets shown are the live ledger's.
 */
async function serveWebView(runtime: GatewayRuntime, generation: GatewayGeneration, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  try {
    authenticate(request.headers, generation.keys)
  } catch (error) {
    if (!GatewayError.isInstance(error) || error.status !== 401) throw error
    response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Basic realm="switchyard gateway", charset="UTF-8"' })
    response.end('the web view needs a virtual key: as the password of the browser\'s sign-in prompt, or "Authorization: Bearer <key>"')
    return true
  }
  return serveUi(request, response, { store: runtime.pipeline.store, budgetStatus: () => generation.router.budgets?.status() ?? [] })
}
