import path from 'node:path'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import { startClickHouseHttpFront, type ClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { queuePoisonedBatch, readDeadLetters, ROW_MARKER, spanRow, waitUntil, type QueuedRow } from '../helpers/poisoned-batch.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// The same batches as poison-batch.test.ts, through a ClickHouse server's HTTP interface:
// its errors reach the flusher as @clickhouse/client's ClickHouseError, not chdb's.
const directory = makeTempDirectory('poison-batch-http')
const logged: string[] = []
let front: ClickHouseHttpFront

beforeAll(async () => {
  const record = (message: string, ...args: unknown[]): void => {
    logged.push([message, ...args.map(String)].join(' '))
  }
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record }
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true })
  front = await startClickHouseHttpFront({ dataDir: path.join(directory.path, 'engine'), user: 'collector', password: 'c0llect' })
})
afterAll(async () => {
  await front?.close()
  diag.disable()
  directory.remove()
})

function startHttpCollector(queueName: string): Promise<Collector> {
  return startCollector({
    host: '127.0.0.1',
    port: 0,
    store: `${front.url}/otel`,
    queueDirectory: path.join(directory.path, queueName),
    batchIntervalMs: 50,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    storeRequestTimeoutMs: 1_000,
  })
}

/**
 * 20 rows of `workflow`, two of them refused by the store (a zero Timestamp, then a
 * negative Duration), each with the marker.
 */
function poisonedRows(workflow: string, refused: [number, number] = [4, 13]): { rows: QueuedRow[]; goodSpanIds: string[] } {
  const rows: QueuedRow[] = []
  const goodSpanIds: string[] = []
  for (let index = 0; index < 20; index += 1) {
    if (index === refused[0]) rows.push(spanRow({ workflow, overrides: { Timestamp: '0.000000000', StatusMessage: ROW_MARKER } }))
    else if (index === refused[1]) rows.push(spanRow({ workflow, overrides: { Duration: '-5', StatusMessage: ROW_MARKER } }))
    else {
      const row = spanRow({ workflow })
      goodSpanIds.push(row.SpanId)
      rows.push(row)
    }
  }
  return { rows, goodSpanIds }
}

describe('a batch refused as invalid by a ClickHouse server', () => {
  it('writes the good rows and sets the refused ones aside with their error codes', async () => {
    const queueDirectory = path.join(directory.path, 'queue-poisoned')
    const { rows, goodSpanIds } = poisonedRows('http-poisoned')
    await queuePoisonedBatch(queueDirectory, rows)
    const collector = await startHttpCollector('queue-poisoned')
    try {
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'http-poisoned', goodSpanIds)).toEqual({ total: 18, unique: 18, acknowledged: 18 })
      const deadLetters = await readDeadLetters(queueDirectory)
      expect(deadLetters.map(({ index, errorCode, errorName }) => ({ index, errorCode, errorName }))).toEqual([
        { index: 4, errorCode: 41, errorName: 'CANNOT_PARSE_DATETIME' },
        { index: 13, errorCode: 72, errorName: 'CANNOT_PARSE_NUMBER' },
      ])
      expect(collector.metrics.spansDeadLettered).toBe(2)
      const health = await (await fetch(`${collector.url}/healthz`)).text()
      expect(health).not.toContain(ROW_MARKER)
    } finally {
      await collector.close()
    }
    expect(logged.filter((line) => line.includes(ROW_MARKER))).toEqual([])
  })

  it('retries a split insert whose answer timed out after it landed: each good row once, only the refused rows set aside', async () => {
    const queueDirectory = path.join(directory.path, 'queue-stalled')
    // Both refused rows in the second half: the split's first insert, rows 0-9, is one the store takes.
    const { rows, goodSpanIds } = poisonedRows('http-stalled', [13, 17])
    await queuePoisonedBatch(queueDirectory, rows)
    const collector = await startHttpCollector('queue-stalled')
    try {
      // As soon as the batch is refused, every answer comes after the client gave up (1 s):
      // the split's first insert lands, times out, and is retried (with its range's token)
      // rather than taken for a refusal and split further.
      await waitUntil(() => collector.metrics.batchesSplit === 1, 'the batch to be refused', 20_000, () => new Promise(setImmediate))
      front.faults.stall(1_500)
      await waitUntil(() => collector.metrics.storeErrors >= 2, 'two timed-out inserts')
      front.faults.clear()
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'http-stalled', goodSpanIds)).toEqual({ total: 18, unique: 18, acknowledged: 18 })
      expect((await readDeadLetters(queueDirectory)).map((letter) => letter.index)).toEqual([13, 17])
    } finally {
      front.faults.clear()
      await collector.close()
    }
  })
})

describe('a ClickHouse server that fails for a while', () => {
  it('retries through busy answers and reset connections without setting any row aside', async () => {
    const queueDirectory = path.join(directory.path, 'queue-transient')
    const collector = await startHttpCollector('queue-transient')
    try {
      front.faults.failNext(6)
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 100, maxRequests: 5, maxMs: 10_000, workflow: 'http-transient' })
      expect(sent.acknowledgedSpanIds).toHaveLength(500)
      front.faults.resetNextConnections(3)
      await collector.drain(30_000)
      expect(collector.metrics.storeErrors).toBeGreaterThan(0)
      expect(await countStoredSpans(collector.store, 'http-transient', sent.acknowledgedSpanIds)).toEqual({ total: 500, unique: 500, acknowledged: 500 })
      expect(collector.metrics.batchesSplit).toBe(0)
      expect(collector.metrics.spansDeadLettered + collector.metrics.spansDeadLetterDropped).toBe(0)
      expect(await readDeadLetters(queueDirectory)).toEqual([])
    } finally {
      await collector.close()
    }
  })
})
