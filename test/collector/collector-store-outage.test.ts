import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import { startClickHouseHttpFront, type ClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('collector-outage')
let front: ClickHouseHttpFront
let collector: Collector

beforeAll(async () => {
  front = await startClickHouseHttpFront({ dataDir: path.join(directory.path, 'engine'), user: 'collector', password: 'c0llect' })
  collector = await startCollector({
    host: '127.0.0.1',
    port: 0,
    store: `${front.url}/otel`,
    queueDirectory: path.join(directory.path, 'queue'),
    batchIntervalMs: 50,
    batchSpans: 500,
    queueMaxBytes: 2 * 1024 * 1024,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    storeRequestTimeoutMs: 1_000,
  })
})
afterAll(async () => {
  await collector?.close()
  await front?.close()
  directory.remove()
})

/**
 * POST /v1/traces declaring `declaredBytes` of body (none: chunked) but sending only a few;
 * the answer's status and Connection header.
 */
function postDeclaring(url: string, declaredBytes: number | undefined): Promise<{ status: number | undefined; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' }
    if (declaredBytes !== undefined) headers['content-length'] = String(declaredBytes)
    const outgoing = httpRequest(`${url}/v1/traces`, { method: 'POST', headers }, (response) => {
      response.resume()
      resolve({ status: response.statusCode, connection: response.headers.connection })
      outgoing.destroy()
    })
    outgoing.on('error', (error) => reject(error))
    outgoing.write(Buffer.alloc(16))
  })
}

function countSpans(workflow: string, acknowledged: string[]): Promise<{ total: number; unique: number; acknowledged: number }> {
  return countStoredSpans(collector.store, workflow, acknowledged)
}

describe('a ClickHouse server that fails for a while', () => {
  it('writes every accepted span once the store is back, through failing inserts and reset connections', async () => {
    front.faults.failNext(1_000_000)
    const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 100, maxRequests: 20, maxMs: 10_000, workflow: 'outage-fail' })
    expect(sent.acknowledgedSpanIds).toHaveLength(2000)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(collector.metrics.storeErrors).toBeGreaterThan(0)
    expect(collector.metrics.spansWritten).toBe(0)
    front.faults.clear()
    // The store comes back flaky: the next inserts lose their connections.
    front.faults.resetNextConnections(3)
    await collector.drain(30_000)
    expect(front.faults.injected.resets).toBe(3)
    expect(await countSpans('outage-fail', sent.acknowledgedSpanIds)).toEqual({ total: 2000, unique: 2000, acknowledged: 2000 })
  })

  it('does not duplicate a batch whose insert landed but whose answer timed out', async () => {
    const errorsBefore = collector.metrics.storeErrors
    front.faults.stall(1_500)
    const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 100, maxRequests: 3, maxMs: 10_000, workflow: 'outage-stall' })
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    front.faults.clear()
    await collector.drain(30_000)
    expect(collector.metrics.storeErrors).toBeGreaterThan(errorsBefore)
    expect(await countSpans('outage-stall', sent.acknowledgedSpanIds)).toEqual({ total: 300, unique: 300, acknowledged: 300 })
  })

  it('answers 503 with Retry-After when the queue is full, and loses nothing it acknowledged', async () => {
    front.faults.failNext(1_000_000)
    const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 200, maxRequests: 60, maxMs: 20_000, workflow: 'outage-full' })
    expect(sent.refused.length).toBeGreaterThan(0)
    expect(sent.refused.every((refusal) => refusal.status === 503 && Number(refusal.retryAfter) >= 1)).toBe(true)
    // Alive (it queues and sheds), not ready (the store does not answer).
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${collector.url}/readyz`)).status).toBe(503)
    // While shedding, a body declared over the 16 MiB limit is not read to its end: the connection closes.
    expect(await postDeclaring(collector.url, 16 * 1024 * 1024 + 1)).toEqual({ status: 503, connection: 'close' })
    // Nor is a body of unknown length (chunked), which Node would otherwise read however long it is.
    expect(await postDeclaring(collector.url, undefined)).toEqual({ status: 503, connection: 'close' })
    front.faults.clear()
    await collector.drain(30_000)
    expect((await fetch(`${collector.url}/readyz`)).status).toBe(200)
    // The refused requests of the stream, the one declared oversized and the chunked one.
    expect(collector.metrics.queueFullResponses).toBe(sent.refused.length + 2)
    // Once full, later requests were refused before their bodies were read...
    expect(collector.metrics.requestsShed).toBeGreaterThan(0)
    expect(collector.metrics.requestsShed).toBeLessThanOrEqual(sent.refused.length + 2)
    // ...and once the flusher has made room, requests are read and accepted again.
    const after = await sendSpanStream({ url: collector.url, spansPerRequest: 200, maxRequests: 3, maxMs: 10_000, workflow: 'outage-full' })
    expect(after.refused).toEqual([])
    await collector.drain(30_000)
    const acknowledged = [...sent.acknowledgedSpanIds, ...after.acknowledgedSpanIds]
    expect(acknowledged.length).toBeGreaterThan(0)
    expect(await countSpans('outage-full', acknowledged)).toEqual({ total: acknowledged.length, unique: acknowledged.length, acknowledged: acknowledged.length })
  })
})

describe('a collector stopped while the store is down', () => {
  it('leaves every batch on disk, the one being retried included, and the next start writes each once', async () => {
    const queueDirectory = path.join(directory.path, 'queue-stopped')
    const options = {
      host: '127.0.0.1',
      port: 0,
      store: `${front.url}/otel`,
      queueDirectory,
      batchIntervalMs: 50,
      batchSpans: 100,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 100,
      shutdownTimeoutMs: 300,
    }
    const first = await startCollector(options)
    front.faults.failNext(1_000_000)
    const sent = await sendSpanStream({ url: first.url, spansPerRequest: 100, maxRequests: 4, maxMs: 10_000, workflow: 'outage-stopped' })
    expect(sent.acknowledgedSpanIds).toHaveLength(400)
    // Wait until the flusher has failed the first batch at least twice.
    const deadline = Date.now() + 5_000
    while (first.metrics.storeErrors < 2) {
      if (Date.now() > deadline) throw new Error(`the flusher failed ${first.metrics.storeErrors} inserts in 5 s, expected 2`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await first.close()
    expect(first.metrics.spansWritten).toBe(0)

    front.faults.clear()
    const second = await startCollector(options)
    try {
      expect(second.queue.stats().recoveredSegments).toBe(4)
      await second.drain(30_000)
      expect(await countStoredSpans(second.store, 'outage-stopped', sent.acknowledgedSpanIds)).toEqual({ total: 400, unique: 400, acknowledged: 400 })
    } finally {
      await second.close()
    }
  })
})
