import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../gateway-error.js'

/** Write a JSON answer; a response the client already left is not written. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) {
    response.end()
    return
  }
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers })
  response.end(text)
}

/**
 * Write a refusal or failure in the endpoint's own error shape, with `Retry-After`
 * when it says when to come back. After a 413 the rest of the body is not read, so the
 * connection closes rather than wait for bytes no one reads.
 */
export function sendError(response: ServerResponse, error: GatewayError, encodeError: (error: GatewayError) => unknown): void {
  const headers: Record<string, string> = {}
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds)
  if (error.status === 413 || error.status === 400) headers.connection = 'close'
  sendJson(response, error.status, encodeError(error), headers)
}
