import type { IncomingHttpHeaders } from 'node:http'
import type { VirtualKeyConfig } from '../config/gateway-config.js'
import { GatewayError } from './gateway-error.js'
import type { VirtualKeyTable } from './keys/virtual-key-table.js'

/**
 * The virtual key a request presents, from `Authorization: Bearer <key>` (OpenAI
 * clients), `x-api-key` (Anthropic clients), or as the password of HTTP Basic (a
 * browser opening the web view at /ui/, any user name). With no keys configured every request
 * passes (the gateway then serves loopback only, or was told `--no-auth`) and
 * undefined is returned. A missing or unknown key is a 401 whose message never
 * quotes what was sent.
 */
export function authenticate(headers: IncomingHttpHeaders, keys: VirtualKeyTable): VirtualKeyConfig | undefined {
  if (keys.size === 0) return undefined
  const presented = presentedKey(headers)
  if (presented === undefined) {
    throw new GatewayError({ status: 401, code: 'unauthorized', message: 'this gateway needs a virtual key: send Authorization: Bearer <key> or x-api-key: <key>' })
  }
  const entry = keys.find(presented)
  if (entry === undefined) throw new GatewayError({ status: 401, code: 'unauthorized', message: 'the virtual key is not valid for this gateway' })
  return entry
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
    if (match !== null) return match[1]
    const basic = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(authorization)
    if (basic?.[1] !== undefined) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon >= 0 && colon < decoded.length - 1) return decoded.slice(colon + 1)
    }
  }
  const apiKey = headers['x-api-key']
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined
}
