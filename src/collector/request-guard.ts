import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { encodeErrorStatus, grpcCode } from './error-status.js'
import { isLoopbackHost, isLoopbackHostHeader } from './is-loopback-host.js'

/** What the door says about one request, before any of its body is read. */
export type DoorVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'host' | 'token'; status: 401 | 403; grpcCode: number; message: string; headers: Record<string, string> }

/** The collector's door: the Host check (on loopback) and the bearer token (when one is set). */
export interface RequestGuard {
  /** True when the collector listens on loopback, so only loopback Host names are answered. */
  readonly checksHost: boolean
  /** True when a bearer token is set. */
  readonly requiresToken: boolean
  check(request: IncomingMessage): DoorVerdict
}

const realm = 'Bearer realm="switchyard collector"'

/**
 * The checks every request passes before the collector does any work for it.
 *
 * Host: a collector on loopback is reachable from any web page the user opens, by
 * DNS rebinding (a name the attacker controls re-pointed at 127.0.0.1), and the
 * page could then read `/v1/report` and `/v1/spend`. A browser always sends the
 * name it looked up in `Host`, so on loopback only `localhost`, 127.x and `[::1]`
 * (any port) are answered, and other names get a 403. A request with no `Host` at
 * all is answered: no browser sends one, and Node already refuses HTTP/1.1
 * requests without it, so only HTTP/1.0 probes and scripts omit it.
 *
 * Token: when set, every request must carry `Authorization: Bearer <token>`,
 * compared in constant time (both sides hashed first, so not even the length
 * leaks); otherwise a 401 with `WWW-Authenticate`. `/healthz` is the caller's
 * exception to make: it stays open for probes, with nothing in it but the status.
 */
export function createRequestGuard(options: { listenHost: string; token: string | undefined }): RequestGuard {
  const checksHost = isLoopbackHost(options.listenHost)
  const expectedDigest = options.token === undefined ? undefined : digest(options.token)
  return {
    checksHost,
    requiresToken: expectedDigest !== undefined,
    check(request): DoorVerdict {
      const host = request.headers.host
      // Node keeps the first of several Host lines and drops the rest, so a proxy that
      // reads another one would see another name; RFC 9112 refuses such a request outright.
      if (checksHost && hostLineCount(request.rawHeaders) > 1) {
        return {
          allowed: false,
          reason: 'host',
          status: 403,
          grpcCode: grpcCode.permissionDenied,
          message: 'the request carries more than one Host header: a collector listening on loopback answers only requests addressed to one loopback name',
          headers: {},
        }
      }
      if (checksHost && host !== undefined && !isLoopbackHostHeader(host)) {
        return {
          allowed: false,
          reason: 'host',
          status: 403,
          grpcCode: grpcCode.permissionDenied,
          message: `the Host header ${JSON.stringify(host.slice(0, 100))} does not name this machine: a collector listening on loopback answers only requests addressed to localhost, 127.0.0.1 or [::1], so that no web page can reach it through DNS rebinding`,
          headers: {},
        }
      }
      if (expectedDigest === undefined) return { allowed: true }
      const presented = bearerToken(request.headers.authorization)
      if (presented === undefined) {
        return {
          allowed: false,
          reason: 'token',
          status: 401,
          grpcCode: grpcCode.unauthenticated,
          message: 'this collector requires a bearer token: send "Authorization: Bearer <token>" (OpenTelemetry exporters: OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20<token>")',
          headers: { 'www-authenticate': realm },
        }
      }
      if (!timingSafeEqual(digest(presented), expectedDigest)) {
        return {
          allowed: false,
          reason: 'token',
          status: 401,
          grpcCode: grpcCode.unauthenticated,
          message: 'the bearer token is not this collector\'s',
          headers: { 'www-authenticate': `${realm}, error="invalid_token"` },
        }
      }
      return { allowed: true }
    },
  }
}

/**
 * Answer a request the door refused, unread: an OTLP `Status` in the request's own
 * encoding on `/v1/traces` (what the OpenTelemetry exporters expect), `{ error }`
 * JSON elsewhere. As with queue shedding, Node discards an unread body of a declared
 * size within `maxBodyBytes` and keeps the connection; a longer or chunked one
 * would be read to its end, however long, so that connection is closed instead.
 */
export function sendDoorRefusal(options: {
  request: IncomingMessage
  response: ServerResponse
  verdict: Extract<DoorVerdict, { allowed: false }>
  otlp: boolean
  maxBodyBytes: number
}): void {
  const { request, response, verdict } = options
  const headers: Record<string, string> = { ...verdict.headers }
  const declaredBytes = Number(request.headers['content-length'])
  const mayHaveBody = request.headers['transfer-encoding'] !== undefined || declaredBytes > 0
  if (mayHaveBody && !(Number.isFinite(declaredBytes) && declaredBytes <= options.maxBodyBytes)) headers.connection = 'close'
  let body: Buffer
  if (options.otlp) {
    const protobuf = /^application\/(x-)?protobuf\b/i.test((request.headers['content-type'] ?? '').trim())
    headers['content-type'] = protobuf ? 'application/x-protobuf' : 'application/json'
    body = encodeErrorStatus({ contentType: protobuf ? 'protobuf' : 'json', grpcCode: verdict.grpcCode, message: verdict.message })
  } else {
    headers['content-type'] = 'application/json'
    body = Buffer.from(JSON.stringify({ error: verdict.message }))
  }
  response.writeHead(verdict.status, headers)
  response.end(body)
}

function hostLineCount(rawHeaders: readonly string[]): number {
  let count = 0
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.length === 4 && rawHeaders[index]!.toLowerCase() === 'host') count++
  }
  return count
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer +([\x21-\x7e]{1,4096}) *$/i.exec(header)
  return match?.[1]
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
