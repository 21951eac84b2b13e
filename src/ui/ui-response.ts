import type { ServerResponse } from 'node:http'

/**
 * Headers on every answer of the web view: nothing is cached (figures change), no
 * type sniffing, no framing, no referrer leaving the page, and a policy that lets the
 * page run only its own scripts and styles (uPlot sets element styles from script,
 * which a policy does not govern).
 */
const commonHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
} as const

/** Send a whole answer; HEAD gets the headers only. */
export function sendUi(response: ServerResponse, options: { status: number; contentType: string; body: string | Buffer; head?: boolean; headers?: Record<string, string> }): void {
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body
  response.writeHead(options.status, {
    ...commonHeaders,
    'content-type': options.contentType,
    'content-length': String(body.length),
    ...options.headers,
  })
  response.end(options.head === true ? undefined : body)
}

export function sendJson(response: ServerResponse, status: number, value: unknown, head?: boolean): void {
  sendUi(response, { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value), head })
}

/** A JSON error: `{ error: { message, parameter? } }`. */
export function sendJsonError(response: ServerResponse, options: { status: number; message: string; parameter?: string; head?: boolean }): void {
  const error: Record<string, string> = { message: options.message }
  if (options.parameter !== undefined) error.parameter = options.parameter
  sendJson(response, options.status, { error }, options.head)
}

/** A plain-text error for page and asset paths. */
export function sendText(response: ServerResponse, status: number, text: string, head?: boolean): void {
  sendUi(response, { status, contentType: 'text/plain; charset=utf-8', body: text, head })
}
