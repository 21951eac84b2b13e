import type { IncomingMessage } from 'node:http'
import { SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api'
import { tracer } from '../telemetry/tracer.js'

/**
 * The SERVER span of one gateway request, after the HTTP semantic conventions: named
 * `POST /v1/chat/completions`, a child of the caller's `traceparent`, with the route
 * and chat spans of the call below it. It carries no header, so no key reaches it.
 * Telemetry never breaks the call: without a span the request is still served.
 */
export class ServerSpan {
  readonly #span: Span | undefined
  /** The context to run the call in: the caller's trace with this span active. */
  readonly context: Context

  constructor(options: { request: IncomingMessage; route: string; parent: Context; serverPort: number }) {
    const { request, route, parent } = options
    let span: Span | undefined
    try {
      span = tracer().startSpan(`${request.method ?? 'POST'} ${route}`, {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method ?? 'POST',
          'http.route': route,
          'url.path': route,
          'url.scheme': 'http',
          'server.address': request.socket.localAddress ?? '127.0.0.1',
          'server.port': options.serverPort,
          'client.address': request.socket.remoteAddress ?? '',
          'network.protocol.version': request.httpVersion,
        },
      }, parent)
    } catch {
      span = undefined
    }
    this.#span = span
    this.context = span === undefined ? parent : trace.setSpan(parent, span)
  }

  /** Record the answer's status (and the error's code on a server failure), then end the span. */
  end(status: number, errorType?: string): void {
    const span = this.#span
    if (span === undefined) return
    try {
      span.setAttribute('http.response.status_code', status)
      // Server spans mark only 5xx as errors (HTTP conventions): a 4xx is the client's failure, not the server's.
      if (status >= 500) {
        span.setAttribute('error.type', errorType ?? String(status))
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      span.end()
    } catch {
      // Telemetry never breaks the caller.
    }
  }
}
