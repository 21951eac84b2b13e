import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chatCompletionBody, chatStreamEvents } from './upstream-bodies.js'

/** How the upstream answers: at once, or after a delay that stands in for a model. */
export interface UpstreamTiming {
  /** Before the response headers of a plain answer, and before the first event of a stream. */
  delayMs: number
  /** Between two events of a stream (0: the whole stream in one write). */
  interEventMs: number
}

export interface UpstreamServer {
  url: string
  setTiming(timing: UpstreamTiming): void
  counts(): { chat: number; stream: number; traces: number; traceBytes: number }
  close(): Promise<void>
}

/**
 * A loopback server in the OpenAI format with fixed, pre-encoded bodies: the
 * cheapest possible upstream, so that what a benchmark measures is the client.
 * It also takes `POST /v1/traces` and drops it (an OTLP sink that costs nothing),
 * to separate an exporter's own cost from the collector's.
 */
export async function startUpstreamServer(options: { streamChunks: number; timing: UpstreamTiming }): Promise<UpstreamServer> {
  const chatBody = chatCompletionBody()
  const streamEvents = chatStreamEvents(options.streamChunks)
  const streamBody = Buffer.concat(streamEvents)
  const emptyExportResponse = Buffer.alloc(0)
  let timing = options.timing
  const counts = { chat: 0, stream: 0, traces: 0, traceBytes: 0 }
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        counts.traces += 1
        for (const chunk of chunks) counts.traceBytes += chunk.length
        response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' })
        response.end(emptyExportResponse)
        return
      }
      if (request.url !== '/v1/chat/completions') {
        response.writeHead(404, { 'content-type': 'application/json' })
        response.end('{"error":{"message":"not found"}}')
        return
      }
      const body = Buffer.concat(chunks).toString('utf8')
      if (body.includes('"stream":true')) {
        counts.stream += 1
        const { delayMs, interEventMs } = timing
        const start = (): void => {
          response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
          if (interEventMs === 0) {
            response.end(streamBody)
            return
          }
          let index = 0
          const next = (): void => {
            if (response.destroyed) return
            const event = streamEvents[index++]
            if (event === undefined) {
              response.end()
              return
            }
            response.write(event)
            later(interEventMs, next)
          }
          next()
        }
        if (delayMs === 0) start()
        else later(delayMs, start)
        return
      }
      counts.chat += 1
      const answer = (): void => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(chatBody.length) })
        response.end(chatBody)
      }
      if (timing.delayMs === 0) answer()
      else later(timing.delayMs, answer)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    setTiming(next) {
      timing = next
    },
    counts: () => ({ ...counts }),
    async close() {
      for (const timer of timers) clearTimeout(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
