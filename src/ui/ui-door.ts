import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isLoopbackHost } from '../collector/is-loopback-host.js'
import { ConfigError } from '../errors/config-error.js'
import { createRequestGuard } from '../collector/request-guard.js'
import { sendText } from './ui-response.js'

/** The web view's door for its own server: the collector's Host check on loopback, and the token off it. */
export interface UiDoor {
  /** True when the request may go on; otherwise the refusal has been sent. */
  admit(request: IncomingMessage, response: ServerResponse): boolean
}

const realm = 'Basic realm="switchyard ui", charset="UTF-8"'

/**
 * Loopback by default; off loopback only with a token, as the collector refuses
 * (there is no allowUnauthenticated here: the view shows what every workflow
 * spends). On loopback the Host header must name loopback (DNS rebinding, see
 * createRequestGuard). With a token, every request carries it, either as
 * `Authorization: Bearer <token>` (scripts) or as the password of HTTP Basic
 * (so a browser asks for it; any user name), compared in constant time.
 */
export function createUiDoor(options: { host: string; token: string | undefined }): UiDoor {
  if (options.token === undefined && !isLoopbackHost(options.host)) {
    throw new ConfigError({
      message: `the web view would listen on ${options.host}, off loopback, without a token: anyone who reaches the port could read every workflow's spend and spans. `
      + 'Give it a token (switchyard ui --token-file <file>), or keep it on 127.0.0.1 and reach it through an SSH tunnel',
      issues: [{ path: 'host', message: 'off loopback without a token' }],
    })
  }
  const guard = createRequestGuard({ listenHost: options.host, token: undefined })
  const expected = options.token === undefined ? undefined : digest(options.token)
  return {
    admit(request, response) {
      const verdict = guard.check(request)
      if (!verdict.allowed) {
        sendText(response, verdict.status, verdict.message)
        return false
      }
      if (expected === undefined) return true
      const presented = presentedToken(request.headers.authorization)
      if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return true
      response.setHeader('www-authenticate', realm)
      sendText(response, 401, 'this web view needs its token: as the password of the browser\'s sign-in prompt, or "Authorization: Bearer <token>"')
      return false
    },
  }
}

function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 8_192) return undefined
  const [scheme, value] = header.trim().split(/\s+/, 2)
  if (value === undefined) return undefined
  if (scheme?.toLowerCase() === 'bearer') return value
  if (scheme?.toLowerCase() !== 'basic') return undefined
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : decoded.slice(colon + 1)
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
