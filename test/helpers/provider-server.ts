import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises'

const fixturesDirectory = new URL('../fixtures/', import.meta.url)

/** A recorded provider body from test/fixtures/<provider>/, as text. */
export function fixture(path: string): string {
  return readFileSync(new URL(path, fixturesDirectory), 'utf8')
}

/** A recorded provider body from test/fixtures/<provider>/, parsed. */
export function fixtureJson(path: string): unknown {
  return JSON.parse(fixture(path))
}

/** The UTF-8 byte offset at which `marker` starts in `text` (for `cutAfterBytes`). */
export function byteOffsetOf(text: string, marker: string): number {
  const index = text.indexOf(marker)
  if (index === -1) throw new Error(`marker not found: ${marker}`)
  return Buffer.byteLength(text.slice(0, index), 'utf8')
}

/** Chunk sizes that split SSE lines, CRLF pairs and multi-byte UTF-8 characters at awkward offsets. */
export const awkwardChunkSizes = [1, 2, 3, 5, 7, 11, 13, 2, 1, 17]

/** One scripted answer of the server. */
export interface Reply {
  status?: number
  headers?: Record<string, string>
  /** A JSON value, or raw text when a string. */
  body?: unknown
  /** Raw `text/event-stream` body to replay. */
  sse?: string
  /** Write the body in chunks of these byte sizes, cycling; default one chunk. */
  chunkSizes?: number[]
  /** Stop after this many bytes of the body. */
  cutAfterBytes?: number
  /** How a cut ends: `end` closes the response cleanly, `destroy` resets the connection. Default `end`. */
  cutMode?: 'end' | 'destroy'
  /** Wait before the response headers. */
  delayMs?: number
  /** Reset the connection instead of answering. */
  reset?: boolean
  /** Send the headers (and the first `cutAfterBytes` bytes), then never finish. */
  hang?: boolean
}

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  /** The client's port: the same port twice means a reused keep-alive connection. */
  remotePort: number | undefined
  /** When the request arrived (Date.now()), to check retry timing from the server's side. */
  receivedAt: number
  json(): unknown
}

/** A real HTTP server on 127.0.0.1, port 0, that replays scripted replies in order and records requests. */
export interface ProviderServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  requests: RecordedRequest[]
  lastRequest(): RecordedRequest
  /** Queues replies; each request takes the next one (a request with none gets a 599). */
  reply(...replies: Reply[]): void
  /** Drops unused scripted replies and recorded requests, so one test cannot feed the next. */
  reset(): void
  close(): Promise<void>
}

export async function startProviderServer(): Promise<ProviderServer> {
  const queue: Reply[] = []
  const requests: RecordedRequest[] = []
  // Ends scripted delays when the server closes, so no timer outlives the suite.
  const closing = new AbortController()
  const server = createServer((request, response) => {
    // No Date header: tests compare the SDK errors of two calls field by field, headers
    // included, and two calls that straddle a second would differ only in it.
    response.sendDate = false
    void handle(request, response).catch(() => response.destroy())
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
      remotePort: request.socket.remotePort,
      receivedAt: Date.now(),
      json: () => JSON.parse(body) as unknown,
    })
    const reply = queue.shift() ?? { status: 599, body: { error: { message: 'no scripted reply' } } }
    if (reply.delayMs !== undefined) await delay(reply.delayMs, undefined, { signal: closing.signal })
    if (reply.reset === true) {
      request.socket.destroy()
      return
    }
    const isStream = reply.sse !== undefined
    const payload = Buffer.from(
      isStream ? (reply.sse ?? '') : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}),
      'utf8',
    )
    const cut = reply.cutAfterBytes === undefined ? payload : payload.subarray(0, reply.cutAfterBytes)
    const headers: Record<string, string> = {
      'content-type': isStream ? 'text/event-stream; charset=utf-8' : 'application/json',
      ...reply.headers,
    }
    if (!isStream && reply.cutAfterBytes === undefined && reply.hang !== true) {
      headers['content-length'] = String(payload.byteLength)
    }
    response.writeHead(reply.status ?? 200, headers)
    response.flushHeaders()
    for (const piece of pieces(cut, reply.chunkSizes)) {
      response.write(piece)
      await nextTurn()
    }
    if (reply.hang === true) return
    if (reply.cutAfterBytes !== undefined && reply.cutMode === 'destroy') {
      await nextTurn()
      request.socket.destroy()
      return
    }
    response.end()
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    lastRequest: () => {
      const last = requests.at(-1)
      if (last === undefined) throw new Error('the server received no request')
      return last
    },
    reply: (...replies) => {
      queue.push(...replies)
    },
    reset: () => {
      queue.length = 0
      requests.length = 0
    },
    close: async () => {
      closing.abort()
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}

function* pieces(payload: Buffer, sizes: number[] | undefined): Generator<Buffer> {
  if (sizes === undefined || sizes.length === 0) {
    if (payload.byteLength > 0) yield payload
    return
  }
  let offset = 0
  let index = 0
  while (offset < payload.byteLength) {
    const size = sizes[index % sizes.length] ?? 1
    yield payload.subarray(offset, offset + size)
    offset += size
    index += 1
  }
}

/** Collects a provider stream's events. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = []
  for await (const event of stream) events.push(event)
  return events
}

/** Runs a promise that must reject, and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
