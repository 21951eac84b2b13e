import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { readRequestBody } from '../../src/collector/read-request-body.js'

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

interface Received {
  request: IncomingMessage
  response: ServerResponse
  body: WeakRef<Buffer>
  length: number
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

/** A server that reads each request's body, then keeps the request open, unanswered, as the collector does while its append waits. */
async function startHoldingServer(): Promise<{ port: number; received: Promise<Received> }> {
  let deliver!: (received: Received) => void
  const received = new Promise<Received>((resolve) => {
    deliver = resolve
  })
  const server = createServer((request, response) => {
    void readRequestBody(request, 1024 * 1024).then((body) => deliver({ request, response, body: new WeakRef(body), length: body.length }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = () => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  return { port: (server.address() as AddressInfo).port, received }
}

function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-length': body.length } }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', reject)
    request.end(body)
  })
}

describe('readRequestBody', () => {
  it('lets the body go once read, while the request it came from is still open', async () => {
    const { port, received } = await startHoldingServer()
    const answered = post(port, Buffer.alloc(256 * 1024, 0x61))
    const held = await received
    expect(held.length).toBe(256 * 1024)
    for (let round = 0; round < 5 && held.body.deref() !== undefined; round++) {
      await new Promise((resolve) => setImmediate(resolve))
      collectGarbage()
    }
    // Nothing but the read's own listeners on the still-open request could hold it.
    expect(held.body.deref()).toBeUndefined()
    held.response.end()
    expect(await answered).toBe(200)
  })

  it('keeps the process up when the request errors after its body was read', async () => {
    const { port, received } = await startHoldingServer()
    const answered = post(port, Buffer.from('{}'))
    const held = await received
    expect(held.request.listenerCount('error')).toBeGreaterThan(0)
    held.request.emit('error', new Error('connection reset after the read'))
    held.response.end()
    expect(await answered).toBe(200)
  })
})
