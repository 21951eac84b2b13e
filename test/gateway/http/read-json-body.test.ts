import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/gateway/gateway-error.js'
import { readJsonBody } from '../../../src/gateway/http/read-json-body.js'
import { rawExchange } from '../hostile-client.js'

/*
 * readJsonBody behind a real HTTP server on loopback: a body that came with its headers
 * is taken from the request's buffer at once, any other (in pieces, compressed, chunked,
 * over the bound) is read as a stream; both give the same body and the same refusals.
 */

const maxBytes = 1024
let server: Server
let port: number

beforeAll(async () => {
  server = createServer((request, response) => {
    readJsonBody(request, maxBytes).then(
      (body) => answer(response, 200, { body }),
      (error: unknown) => answer(response, GatewayError.isInstance(error) ? error.status : 500, { error: error instanceof Error ? error.message : String(error) }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' })
  response.end(text)
}

function head(headers: Record<string, string | number>): string {
  return ['POST / HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n')
}

async function send(parts: Array<string | Buffer>, gapMs?: number): Promise<{ status: number | undefined; body: { body?: unknown; error?: string } }> {
  const exchange = await rawExchange(port, parts, { gapMs, waitMs: 5_000 })
  const text = Buffer.from(exchange.received.slice(exchange.received.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8')
  return { status: exchange.status, body: JSON.parse(text) as { body?: unknown; error?: string } }
}

const payload = { model: 'fast', messages: [{ role: 'user', content: 'héllo "there"' }] }
const json = JSON.stringify(payload)

describe('readJsonBody', () => {
  it('parses a body that came in the same write as its headers', async () => {
    const answer = await send([head({ 'Content-Length': Buffer.byteLength(json) }) + json])
    expect(answer).toEqual({ status: 200, body: { body: payload } })
  })

  it('parses a body that arrives in pieces after its headers', async () => {
    const bytes = Buffer.from(json)
    const answer = await send([head({ 'Content-Length': bytes.length }), bytes.subarray(0, 10), bytes.subarray(10)], 30)
    expect(answer).toEqual({ status: 200, body: { body: payload } })
  })

  it('parses a chunked body and a gzip body', async () => {
    const bytes = Buffer.from(json)
    const chunked = `${bytes.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`
    expect(await send([head({ 'Transfer-Encoding': 'chunked' }) + chunked])).toEqual({ status: 200, body: { body: payload } })
    const zipped = gzipSync(bytes)
    expect(await send([Buffer.concat([Buffer.from(head({ 'Content-Length': zipped.length, 'Content-Encoding': 'gzip' })), zipped])])).toEqual({ status: 200, body: { body: payload } })
  })

  it('refuses a body over the bound, declared or not, with a 413', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(maxBytes) })
    expect((await send([head({ 'Content-Length': big.length }) + big])).status).toBe(413)
    const chunked = `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`
    expect((await send([head({ 'Transfer-Encoding': 'chunked' }) + chunked])).status).toBe(413)
  })

  it('refuses an empty body and malformed JSON with a 400 naming the body', async () => {
    const empty = await send([head({ 'Content-Length': 0 })])
    expect(empty.status).toBe(400)
    expect(empty.body.error).toMatch(/^body: not valid JSON/)
    const broken = await send([head({ 'Content-Length': 9 }) + '{"model":'])
    expect(broken.status).toBe(400)
    expect(broken.body.error).toMatch(/^body: not valid JSON/)
  })
})
