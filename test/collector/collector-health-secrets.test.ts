import path from 'node:path'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import { startClickHouseHttpFront, type ClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const password = 'pw-h3alth-s3cret-7c1e'
const token = 'health-test-token-98e1a0c4f2d6b5'
/** Words of the message of the ClickHouse error the test front injects; none may reach an HTTP answer (its code name may). */
const storeWords = /Too many simultaneous|injected by the test front|DB::Exception/i

const directory = makeTempDirectory('collector-health-secrets')
const logged: string[] = []
const recorder: DiagLogger = {
  error: (message) => logged.push(message),
  warn: (message) => logged.push(message),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
}
let front: ClickHouseHttpFront
let collector: Collector

beforeAll(async () => {
  diag.setLogger(recorder, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
  front = await startClickHouseHttpFront({ dataDir: path.join(directory.path, 'engine'), user: 'collector', password })
  collector = await startCollector({
    host: '127.0.0.1',
    port: 0,
    store: `${front.url}/otel`,
    queueDirectory: path.join(directory.path, 'queue'),
    batchIntervalMs: 50,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    storeRequestTimeoutMs: 1_000,
    token,
  })
})
afterAll(async () => {
  front?.faults.clear()
  await collector?.close()
  await front?.close()
  diag.disable()
  directory.remove()
})

async function health(headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${collector.url}/healthz`, { headers })
  return { status: response.status, text: await response.text() }
}

async function readiness(): Promise<{ status: number; text: string }> {
  const response = await fetch(`${collector.url}/readyz`)
  return { status: response.status, text: await response.text() }
}

describe('/healthz and /readyz while the store fails', () => {
  it('stay alive and not ready, saying the store is unreachable and the last insert failed, without the store\'s words or credentials; the log has them, redacted', async () => {
    front.faults.failNext(1_000_000)
    const spans = serializeSpans(makeModelCallSpans(2, { workflow: 'health-secrets' }), 'protobuf')
    expect((await postTraces(collector.url, spans, { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` })).status).toBe(200)
    for (let attempt = 0; attempt < 250 && collector.metrics.storeErrors === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(collector.metrics.storeErrors).toBeGreaterThan(0)

    // Alive: the process serves and queues (the flusher is not stuck yet); not ready: the store does not answer.
    const detailed = await health({ authorization: `Bearer ${token}` })
    expect(detailed.status).toBe(200)
    expect(JSON.parse(detailed.text)).toMatchObject({ status: 'ok', store: 'unreachable', lastStoreError: expect.any(String) })
    const open = await health()
    expect(open.status).toBe(200)
    expect(JSON.parse(open.text)).toEqual({ status: 'ok' })
    const notReady = await readiness()
    expect(notReady.status).toBe(503)
    expect(JSON.parse(notReady.text)).toEqual({ status: 'unavailable', reason: expect.stringMatching(/store does not answer/) })
    for (const answer of [detailed.text, open.text, notReady.text]) {
      expect(answer).not.toMatch(storeWords)
      expect(answer).not.toContain(password)
      expect(answer).not.toContain(token)
    }

    const pingLines = logged.filter((line) => line.includes('does not answer its ping'))
    expect(pingLines).toHaveLength(1)
    expect(pingLines[0]).toMatch(storeWords)
    for (const line of logged) {
      expect(line).not.toContain(password)
      expect(line).not.toContain(token)
    }

    front.faults.clear()
    await collector.drain(30_000)
    expect((await health()).status).toBe(200)
    expect(await readiness()).toEqual({ status: 200, text: JSON.stringify({ status: 'ok' }) })
  })
})
