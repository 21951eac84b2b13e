import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const kibibyte = 1024
const maxBodyBytes = 64 * kibibyte
/** Room for four bodies of the largest size being read at once. */
const maxBufferedBodyBytes = 4 * maxBodyBytes

const directory = makeTempDirectory('collector-limits')
let collector: Collector

interface Answer {
  status: number
  headers: IncomingMessage['headers']
  body: string
}

function answerOf(outgoing: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    outgoing.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
  })
}

/**
 * An upload that declares `declaredBytes` (none: chunked) and sends only `sentBytes`,
 * then stalls. Resolves once the collector has taken it up: it answers `Expect:
 * 100-continue` just before it hands the request to the collector, which leases the
 * declared bytes in the same turn.
 */
async function startSlowUpload(options: { declaredBytes?: number; sentBytes: number; contentType?: string }): Promise<{ outgoing: ClientRequest; answer: Promise<Answer> }> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/x-protobuf', expect: '100-continue' }
  if (options.declaredBytes !== undefined) headers['content-length'] = String(options.declaredBytes)
  const outgoing = httpRequest({ host: '127.0.0.1', port: collector.port, method: 'POST', path: '/v1/traces', headers, agent: false })
  const answer = answerOf(outgoing)
  answer.catch(() => undefined)
  await new Promise<void>((resolve, reject) => {
    outgoing.once('continue', () => {
      outgoing.write(Buffer.alloc(options.sentBytes), (error) => (error ? reject(error) : resolve()))
    })
    outgoing.once('error', reject)
  })
  return { outgoing, answer }
}

function post(path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  const outgoing = httpRequest({ host: '127.0.0.1', port: collector.port, method: 'POST', path, headers: { ...headers, 'content-length': String(body.length) }, agent: false })
  const answer = answerOf(outgoing)
  outgoing.end(body)
  return answer
}

function get(path: string): Promise<Answer> {
  const outgoing = httpRequest({ host: '127.0.0.1', port: collector.port, path, agent: false })
  const answer = answerOf(outgoing)
  outgoing.end()
  return answer
}

const exportBody = (workflow: string): Buffer => serializeSpans(makeModelCallSpans(3, { workflow }), 'protobuf')

/** The request-body bytes the collector holds now, from its metrics. */
async function bodyBytesHeld(): Promise<number> {
  const match = /^switchyard_collector_request_body_bytes (\d+)$/m.exec((await get('/metrics')).body)
  if (match === null) throw new Error('no switchyard_collector_request_body_bytes in /metrics')
  return Number(match[1])
}

/** Stop the uploads and wait until the collector has given back what they held. */
async function abandon(uploads: { outgoing: ClientRequest; answer: Promise<Answer> }[]): Promise<void> {
  for (const upload of uploads) upload.outgoing.destroy()
  await Promise.all(uploads.map((upload) => upload.answer.catch(() => undefined)))
  for (let attempt = 0; attempt < 250 && (await bodyBytesHeld()) > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20))
  expect(await bodyBytesHeld()).toBe(0)
}

/** Resolves when the collector has answered and closed the socket: what it sent, as text. */
function whenClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(received))
  })
}

function openSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(collector.port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

describe('request bodies held in memory, and slow clients', () => {
  beforeAll(async () => {
    collector = await startTestCollector(directory.path, { maxBodyBytes, maxBufferedBodyBytes, headersTimeoutMs: 1_000, requestTimeoutMs: 5_000 })
  })
  afterAll(async () => {
    await collector?.close()
  })

  it('refuses the upload past the bound with 503 and Retry-After, unread, while it keeps serving; then takes it', async () => {
    const uploads = []
    for (let index = 0; index < 4; index++) uploads.push(await startSlowUpload({ declaredBytes: maxBodyBytes, sentBytes: kibibyte }))

    const refused = await post('/v1/traces', exportBody('limits-refused'), { 'content-type': 'application/x-protobuf' })
    expect(refused.status).toBe(503)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(collector.metrics.requestsShedForMemory).toBe(1)
    expect(collector.metrics.spansReceived).toBe(0)
    expect((await get('/healthz')).status).toBe(200)
    expect((await get('/metrics')).body).toMatch(/^switchyard_collector_requests_shed_memory_total 1$/m)
    // A router's spend form counts against the same bound.
    const form = Buffer.from(`workflow=limits&window=1h&spanIds=${Array.from({ length: 100 }, (_, index) => index.toString(16).padStart(16, '0')).join(',')}`)
    const spend = await post('/v1/spend', form, { 'content-type': 'application/x-www-form-urlencoded' })
    expect(spend.status).toBe(503)
    expect(Number(spend.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(spend.body)).toEqual({ error: expect.stringMatching(/memory bound/) })

    // One slow client gives up: what it held is given back, and the next export fits.
    uploads[0]!.outgoing.destroy()
    await uploads[0]!.answer.catch(() => undefined)
    let accepted: Answer | undefined
    for (let attempt = 0; attempt < 100 && accepted?.status !== 200; attempt++) {
      accepted = await post('/v1/traces', exportBody('limits-accepted'), { 'content-type': 'application/x-protobuf' })
      if (accepted.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(accepted?.status).toBe(200)
    await abandon(uploads)
  })

  it('cuts a chunked upload mid-read once the bodies being read fill the bound: 503, Retry-After, connection closed', async () => {
    const uploads = []
    // 3 x 64 KiB + 60 KiB declared: 4 KiB of room left.
    for (let index = 0; index < 3; index++) uploads.push(await startSlowUpload({ declaredBytes: maxBodyBytes, sentBytes: kibibyte }))
    uploads.push(await startSlowUpload({ declaredBytes: 60 * kibibyte, sentBytes: kibibyte }))
    const before = collector.metrics.requestsShedForMemory
    const chunked = await startSlowUpload({ sentBytes: 0, contentType: 'application/json' })
    chunked.outgoing.write(Buffer.alloc(20 * kibibyte))
    const answer = await chunked.answer
    expect(answer.status).toBe(503)
    expect(answer.headers.connection).toBe('close')
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(answer.body)).toEqual({ code: 14, message: expect.stringMatching(/memory bound/) })
    expect(collector.metrics.requestsShedForMemory).toBe(before + 1)
    await abandon([...uploads, chunked])
  })

  it('cuts a connection whose body does not arrive within requestTimeoutMs, and gives its memory back', async () => {
    const uploads = []
    for (let index = 0; index < 4; index++) uploads.push(await startSlowUpload({ declaredBytes: maxBodyBytes, sentBytes: kibibyte }))
    const answers = await Promise.all(uploads.map((upload) => upload.answer.catch((error: unknown) => error)))
    // Node answers 408 and closes; the client may see the close first.
    for (const answer of answers) {
      if (answer instanceof Error) expect(answer.message).toMatch(/socket hang up|ECONNRESET/)
      else expect((answer as Answer).status).toBe(408)
    }
    expect(await bodyBytesHeld()).toBe(0)
    expect((await post('/v1/traces', exportBody('limits-after-timeout'), { 'content-type': 'application/x-protobuf' })).status).toBe(200)
  })

  it('answers 408 and closes a connection whose headers do not arrive within headersTimeoutMs', async () => {
    const socket = await openSocket()
    const closed = whenClosed(socket)
    socket.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n')
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /)
  })
})

describe('connections', () => {
  const maxConnections = 4

  beforeAll(async () => {
    collector = await startTestCollector(directory.path, { maxConnections })
  })
  afterAll(async () => {
    await collector?.close()
  })

  it('closes a connection past maxConnections at once, and serves again once one is gone', async () => {
    const sockets: Socket[] = []
    for (let index = 0; index < maxConnections; index++) sockets.push(await openSocket())
    const extra = await openSocket()
    const closed = whenClosed(extra)
    extra.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(await closed).toBe('')

    // The held connections still work.
    const answered = whenClosed(sockets[0]!)
    sockets[0]!.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    expect(await answered).toMatch(/^HTTP\/1\.1 200 /)

    let health: Answer | Error | undefined
    for (let attempt = 0; attempt < 100 && (health instanceof Error || health?.status !== 200); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20))
      health = await get('/healthz').catch((error: unknown) => error as Error)
    }
    expect(health).toMatchObject({ status: 200 })
    for (const socket of sockets) socket.destroy()
  })
})

afterAll(() => {
  directory.remove()
})
