/** `server.address` and `server.port` of a base URL. */
export interface ServerEndpoint {
  address: string
  port: number
}

/**
 * The host and port a base URL points at, the port defaulted by scheme. A URL
 * that does not parse gives the text before any path, port 0: the span says
 * what it can rather than failing the call.
 */
export function serverOfUrl(url: string): ServerEndpoint {
  try {
    const parsed = new URL(url)
    const port = parsed.port === '' ? (parsed.protocol === 'http:' ? 80 : 443) : Number(parsed.port)
    return { address: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port }
  } catch {
    return { address: url.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '', port: 0 }
  }
}
