import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { SseWriter } from '../../src/gateway/http/sse-writer.js'

let server: Server | undefined
let client: Socket | undefined

afterEach(async () => {
  client?.destroy()
  client = undefined
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  server?.closeAllConnections()
  server = undefined
})

/** A server whose one response is handed to `handle`, and a raw client socket that read what it wrote so far. */
async function exchange(handle: (response: ServerResponse) => void, options: { readPaused?: boolean } = {}): Promise<{ received: () => string; socket: Socket }> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    handle(response)
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const socket = connect(port, '127.0.0.1')
  client = socket
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (data: string) => (received += data))
  if (options.readPaused === true) socket.pause()
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
  return { received: () => received, socket }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The chunks of a chunked HTTP body, as their lengths in order. */
function chunkLengths(raw: string): number[] {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4)
  const lengths: number[] = []
  for (let at = 0; at < body.length;) {
    const lineEnd = body.indexOf('\r\n', at)
    if (lineEnd === -1) break
    const length = Number.parseInt(body.slice(at, lineEnd), 16)
    lengths.push(length)
    at = lineEnd + 2 + length + 2
  }
  return lengths
}

describe('SseWriter', () => {
  it('writes the frames of one turn as one chunk', async () => {
    const frames = Array.from({ length: 36 }, (_, index) => `data: {"n":${index}}\n\n`)
    const { received } = await exchange((response) => {
      const writer = new SseWriter(response)
      for (const frame of frames) expect(writer.write(frame)).toBeUndefined()
      setTimeout(() => writer.end(), 20)
    })
    await until(() => received().endsWith('0\r\n\r\n'))
    expect(chunkLengths(received())).toEqual([frames.join('').length, 0])
    expect(received()).toContain(frames.join(''))
  })

  it('delivers a frame without waiting for the next one or the end', async () => {
    let writer: SseWriter | undefined
    const { received } = await exchange((response) => {
      writer = new SseWriter(response)
      void writer.write('data: first\n\n')
    })
    await until(() => received().includes('data: first\n\n'))
    expect(received()).not.toContain('0\r\n\r\n')
    writer?.write('data: second\n\n')
    await until(() => received().includes('data: second\n\n'))
    writer?.end()
    await until(() => received().endsWith('0\r\n\r\n'))
  })

  it('writes at once past maxPendingChars, in order', async () => {
    const { received } = await exchange((response) => {
      const writer = new SseWriter(response, { maxPendingChars: 20 })
      void writer.write('data: aaaaaaaaaaaa\n\n')
      void writer.write('data: b\n\n')
      writer.end()
    })
    await until(() => received().endsWith('0\r\n\r\n'))
    expect(chunkLengths(received())).toEqual([20, 9, 0])
  })

  it('tells the writer to wait while the socket is full, and resolves once it drained', async () => {
    const frame = `data: ${'x'.repeat(60_000)}\n\n`
    let waited: Promise<void> | undefined
    let writes = 0
    let needDrain = false
    const order: string[] = []
    const { received, socket } = await exchange((response) => {
      const writer = new SseWriter(response, { maxPendingChars: 1 })
      // Bounded: the socket's buffer fills long before 2,000 frames of 60 kB.
      for (; writes < 2_000 && waited === undefined; writes++) waited = writer.write(frame)
      needDrain = response.writableNeedDrain
      response.once('drain', () => order.push('drain'))
      void waited?.then(() => {
        order.push('resolved')
        writer.end()
      })
    }, { readPaused: true })
    await until(() => waited !== undefined)
    expect(writes).toBeLessThan(2_000)
    expect(needDrain).toBe(true)
    socket.resume()
    await until(() => order.length === 2 && received().endsWith('0\r\n\r\n'), 10_000)
    expect(order).toEqual(['drain', 'resolved'])
    expect(received().split('data: ').length - 1).toBe(writes)
  })

  it('does not reject or write once the client left while the socket was full', async () => {
    let waited: Promise<void> | undefined
    let response: ServerResponse | undefined
    const { socket } = await exchange((answer) => {
      response = answer
      const writer = new SseWriter(answer, { maxPendingChars: 1 })
      for (let writes = 0; writes < 2_000 && waited === undefined; writes++) waited = writer.write(`data: ${'y'.repeat(60_000)}\n\n`)
    }, { readPaused: true })
    await until(() => waited !== undefined)
    socket.destroy()
    await expect(waited).resolves.toBeUndefined()
    await until(() => response?.destroyed === true)
  })
})
