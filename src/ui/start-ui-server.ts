import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { diag } from '@opentelemetry/api'
import { serveUi, type UiOptions } from './serve-ui.js'
import { createUiDoor } from './ui-door.js'
import { sendText } from './ui-response.js'

export interface UiServerOptions extends UiOptions {
  /** Default 127.0.0.1; off loopback needs `token`. */
  host?: string
  /** Default 4400; 0 picks a free port. */
  port?: number
  token?: string
}

export interface UiServer {
  /** `http://host:port`; the view is at `${url}/ui/`. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * `switchyard ui`'s server: the web view alone, for a store no other process holds
 * (the collector and the gateway serve it themselves with serveUi). `/` leads to
 * `/ui/`. Closing it does not close the store: the caller opened it.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1'
  const door = createUiDoor({ host, token: options.token })
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
    if (!door.admit(request, response)) return
    if (request.url === '/' || request.url === '') {
      response.writeHead(302, { location: '/ui/' })
      response.end()
      return
    }
    serveUi(request, response, options).then((served) => {
      if (!served) sendText(response, 404, 'not found: the web view is at /ui/')
    }, (error: unknown) => {
      diag.error(`switchyard ui: unexpected error: ${error instanceof Error ? error.name : 'unknown'}`)
      if (!response.headersSent) sendText(response, 500, 'internal error')
      else response.destroy()
    })
  })
  server.maxConnections = 256
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 4400, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { url: `http://${shownHost}:${address.port}`, port: address.port, close: () => closeServer(server) }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 2_000).unref()
  })
}
