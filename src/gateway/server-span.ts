import type { IncomingMessage } from 'node:http'
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api'
import { tracer } from '../telemetry/tracer.js'

/**
 * The SERVER span of one gateway request, after the HTTP semantic conventions: named
 * `POST /v1/chat/completions`, a child of the caller's `traceparent`, with the route
 * and chat spans of the call below it. It carries no header, so no key reaches it.
 * Telemetry never breaks the call: without a span the request is still served.
 */
export class ServerSpan {
  readonly #span: Span | undefined
  readonly #attributes: Attributes
  /** The context to run the call in: the caller's trace with this span active. */
  readonly context: Context

  /**
   * The span starts with what a sampler decides on (the HTTP conventions' sampling-relevant
   * attributes: method, route, path, scheme); the rest is read from the request now (the
   * socket may be gone at the end) and set at `end`, after the answer was written, so the
   * SDK's attribute checks are off the answer's path. The span stored is the same.
   */
  constructor(options: { request: IncomingMessage; route: string; parent: Context; serverPort: number }) {
    const { request, route, parent } = options
    const method = request.method ?? 'POST'
    this.#attributes = {
      'http.request.method': method,
      'http.route': route,
      'url.path': route,
      'url.scheme': 'http',
      'server.address': request.socket.localAddress ?? '127.0.0.1',
      'server.port': options.serverPort,
      'client.address': request.socket.remoteAddress ?? '',
      'network.protocol.version': request.httpVersion,
      'http.response.status_code': 0,
    }
    let span: Span | undefined
    try {
      const attributes = { 'http.request.method': method, 'http.route': route, 'url.path': route, 'url.scheme': 'http' }
      span = tracer().startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent)
    } catch {
      span = undefined
    }
    this.#span = span
    this.context = span === undefined ? parent : trace.setSpan(parent, span)
  }

  /** Record the request and the answer's status (and the error's code on a server failure), then end the span. */
  end(status: number, errorType?: string): void {
    const span = this.#span
    if (span === undefined) return
    try {
      const attributes = this.#attributes
      attributes['http.response.status_code'] = status
      // Server spans mark only 5xx as errors (HTTP conventions): a 4xx is the client's failure, not the server's.
      if (status >= 500) attributes['error.type'] = errorType ?? String(status)
      span.setAttributes(attributes)
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    } catch {
      // Telemetry never breaks the caller.
    }
  }
}
