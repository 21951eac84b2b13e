import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { serveParent } from './child-process.js'
import { processUsage } from './process-usage.js'

/*
 * The Portkey gateway (`@portkey-ai/gateway` from node_modules) in a process of its
 * own, started from its published entry (`build/start-server.js`, its `bin`), the
 * way `npx @portkey-ai/gateway --headless` runs it. Two changes to how it starts, and
 * none to how it serves:
 * - It listens with no host, so on every interface; its listen is given 127.0.0.1 (and
 *   port 0 through its own `--port=0` flag) so the benchmark stays on loopback.
 * - Its start-up banner (a spinner and the URL, on stdout) is dropped: the benchmark's
 *   stdout is its result JSON. Its errors go to stderr as usual.
 * And one to how it fetches, for streams only: with the `@hono/node-server` installed
 * here (1.19; Portkey asks for ^1.3.3), every streamed answer fails with `TypeError:
 * immutable` when Portkey adds its headers to the upstream's fetch Response (Portkey's
 * issue #1389: any @hono/node-server past 1.14.2). A streamed upstream answer is
 * therefore handed to Portkey as a new Response with a copy of its headers (what
 * Portkey's own fix for /v1/responses does, PR #1551): one object and one header
 * copy per stream, not per event. Plain answers are untouched.
 */

const listening = new Promise<net.AddressInfo>((resolve, reject) => {
  const listen = net.Server.prototype.listen
  const timer = setTimeout(() => reject(new Error('the Portkey gateway did not listen within 60 s')), 60_000)
  net.Server.prototype.listen = function loopbackListen(this: net.Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
      args.splice(1, typeof args[1] === 'function' ? 0 : 1, '127.0.0.1')
      net.Server.prototype.listen = listen
      this.once('listening', () => {
        clearTimeout(timer)
        resolve(this.address() as net.AddressInfo)
      })
    }
    return (listen as (...input: unknown[]) => net.Server).apply(this, args)
  } as typeof listen
})

const NativeResponse = globalThis.Response
const nativeFetch = globalThis.fetch
globalThis.fetch = async (...input: Parameters<typeof fetch>) => {
  const response = await nativeFetch(...input)
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response
  return new NativeResponse(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) })
}

process.stdout.write = (() => true) as typeof process.stdout.write

const require = createRequire(import.meta.url)
const manifest = require.resolve('@portkey-ai/gateway/package.json')
const { version, bin } = require(manifest) as { version: string; bin: string }
await import(pathToFileURL(path.join(path.dirname(manifest), bin)).href)
const address = await listening

serveParent({
  ready: { url: `http://127.0.0.1:${address.port}`, version },
  handlers: { usage: () => processUsage() },
  onClose: async () => undefined,
})
