import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import { startClickHouseHttpFront, type ClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans } from '../helpers/sdk-spans.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const password = 'd0wn-at-start-s3cret-41f7'
const directory = makeTempDirectory('store-down-at-start')
const logged: string[] = []
const recorder: DiagLogger = {
  error: (message) => logged.push(message),
  warn: (message) => logged.push(message),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
}
let front: ClickHouseHttpFront
/** The port the collector's store URL names: nothing listens there until the test brings the store up. */
let storePort: number
let storeUp: Server | undefined
const sockets = new Set<Socket>()

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** A loopback port nobody listens on: one the system just gave out and took back. */
async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe, 0)
  await closeServer(probe)
  return port
}

/** The store comes up at `storePort`: each connection is piped to the ClickHouse HTTP front. */
async function bringStoreUp(): Promise<void> {
  storeUp = createServer((incoming) => {
    const outgoing = connect(front.port, '127.0.0.1')
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    incoming.pipe(outgoing).pipe(incoming)
  })
  await listen(storeUp, storePort)
}

beforeAll(async () => {
  diag.setLogger(recorder, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
  front = await startClickHouseHttpFront({ dataDir: path.join(directory.path, 'engine'), user: 'collector', password })
  storePort = await freePort()
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  if (storeUp !== undefined) await closeServer(storeUp)
  await front?.close()
  diag.disable()
  directory.remove()
})

async function get(collector: Collector, route: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${collector.url}${route}`)
  return { status: response.status, body: await response.json() }
}

describe('a ClickHouse server that is down when the collector starts', () => {
  it('starts anyway, takes spans into its queue (200), says not ready, and writes them once the store answers', async () => {
    const collector = await startCollector({
      host: '127.0.0.1',
      port: 0,
      store: `http://collector:${password}@127.0.0.1:${storePort}/otel?secret=${password}`,
      queueDirectory: path.join(directory.path, 'queue'),
      batchIntervalMs: 50,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 200,
      storeRequestTimeoutMs: 2_000,
    })
    try {
      expect(collector.storePrepared).toBe(false)

      const exporter = new OtlpProtoExporter({ url: `${collector.url}/v1/traces` })
      const exported = makeModelCallSpans(4, { workflow: 'down-at-start' })
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(exported, resolve))
      await exporter.shutdown()
      expect(result).toEqual({ code: 0, error: undefined })
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 50, maxRequests: 4, maxMs: 10_000, workflow: 'down-at-start' })
      expect(sent.acknowledgedSpanIds).toHaveLength(200)

      // Alive, with the spans queued; not ready, and saying why.
      expect(await get(collector, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok', store: 'unreachable', queue: { rows: 204 } } })
      expect(await get(collector, '/readyz')).toEqual({ status: 503, body: { status: 'unavailable', reason: expect.stringMatching(/store has not answered since the collector started.*migrations run once it answers/) } })
      expect((await fetch(`${collector.url}/v1/spend?workflow=down-at-start&window=1h`)).status).toBe(503)
      expect(collector.metrics.spansWritten).toBe(0)

      await bringStoreUp()
      await collector.whenStorePrepared
      await collector.drain(30_000)
      const acknowledged = [...exported.map((span) => span.spanContext().spanId), ...sent.acknowledgedSpanIds]
      expect(await countStoredSpans(collector.store, 'down-at-start', acknowledged)).toEqual({ total: 204, unique: 204, acknowledged: 204 })
      expect(await get(collector, '/readyz')).toEqual({ status: 200, body: { status: 'ok' } })
      // The migrations ran against the store that came up: its schema version is recorded there.
      const version = await collector.store.client.query({ query: 'SELECT max(Version) AS version FROM switchyard_migrations', format: 'JSONEachRow' })
      expect(Number((await version.json<{ version: number }>())[0]?.version)).toBeGreaterThan(0)
    } finally {
      await collector.close()
    }

    // The outage is one line, naming the store's URL without its password or its query string.
    const outage = logged.filter((line) => line.includes('does not answer'))
    expect(outage).toHaveLength(1)
    expect(outage[0]).toContain(`http://collector:***@127.0.0.1:${storePort}/otel`)
    expect(outage[0]).toMatch(/ECONNREFUSED.*retries the store with backoff/)
    for (const line of logged) {
      expect(line).not.toContain(password)
      expect(line).not.toMatch(/\n\s+at /)
    }
  }, 60_000)

  it('says not ready again when a ready store stops answering, while /healthz stays 200', async () => {
    const collector = await startCollector({
      host: '127.0.0.1',
      port: 0,
      store: `http://collector:${password}@127.0.0.1:${storePort}/otel`,
      queueDirectory: path.join(directory.path, 'queue-ready'),
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 200,
      storeRequestTimeoutMs: 2_000,
    })
    try {
      expect(collector.storePrepared).toBe(true)
      expect(await get(collector, '/readyz')).toEqual({ status: 200, body: { status: 'ok' } })
      front.faults.failNext(1_000_000)
      expect(await get(collector, '/readyz')).toEqual({ status: 503, body: { status: 'unavailable', reason: expect.stringMatching(/does not answer its ping/) } })
      expect((await get(collector, '/healthz')).status).toBe(200)
      front.faults.clear()
      expect((await get(collector, '/readyz')).status).toBe(200)
    } finally {
      front.faults.clear()
      await collector.close()
    }
  })
})
