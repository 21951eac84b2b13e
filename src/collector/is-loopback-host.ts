import { isIP } from 'node:net'

/**
 * Whether a host name or address names this machine's loopback interface:
 * `localhost`, any IPv4 address in 127.0.0.0/8, `::1` (bracketed or not) or an
 * IPv4-mapped 127.x address. Addresses are compared in the WHATWG URL form, so
 * spellings a browser would also normalize (`127.1`, `0x7f.0.0.1`,
 * `0:0:0:0:0:0:0:1`) are recognized as what they are. Anything else, including
 * names that may resolve to loopback through DNS, is not loopback: that is the
 * answer that keeps the collector safe when in doubt.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare.toLowerCase() === 'localhost') return true
  if (isIP(bare) === 6) return isLoopbackUrlHostname(canonicalHostname(`[${bare}]`))
  const hostname = canonicalHostname(bare)
  return hostname !== undefined && isLoopbackUrlHostname(hostname)
}

/** The host part of a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`) when it names loopback. */
export function isLoopbackHostHeader(header: string): boolean {
  // Only the characters of a name, an IPv4 or bracketed IPv6 address and a port:
  // no userinfo, path or percent-escape can smuggle another host past the URL parser.
  if (!/^[A-Za-z0-9.\-:[\]]{1,300}$/.test(header)) return false
  let url: URL
  try {
    url = new URL(`http://${header}/`)
  } catch {
    return false
  }
  return isLoopbackUrlHostname(url.hostname)
}

function canonicalHostname(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname
  } catch {
    return undefined
  }
}

function isLoopbackUrlHostname(hostname: string | undefined): boolean {
  if (hostname === undefined) return false
  if (hostname === 'localhost' || hostname === '[::1]') return true
  // The URL parser writes ::ffff:127.0.0.1 as [::ffff:7f00:1].
  if (/^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)) return true
  const octets = /^(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.exec(hostname)
  return octets !== null && octets[1] === '127'
}
