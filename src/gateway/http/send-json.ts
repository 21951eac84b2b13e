import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../gateway-error.js'

/** Write a JSON answer; a response the client already left is not written. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) {
    response.end()
    return
  }
  const text = JSON.stringify(body)
  // Assigned, not `{ ...literal, ...headers }`: on Node 20 a spread after literal keys takes a slow path of a few µs.
  const head: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }
  response.writeHead(status, Object.assign(head, headers))
  // With Content-Length and the headers not yet sent, Node writes the head and the body in one socket write.
  response.end(text)
}

/**
 * Write a refusal or failure in the endpoint's own error shape, with `Retry-After`
 * when it says when to come back. A request refused before its body was read in full
 * (a 413, a 401 before reading) closes its connection rather than have the server
 * read bytes no one wants.
 */
export function sendError(response: ServerResponse, error: GatewayError, encodeError: (error: GatewayError) => unknown): void {
  const headers: Record<string, string> = {}
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds)
  if (!response.req.complete) headers.connection = 'close'
  sendJson(response, error.status, encodeError(error), headers)
}
