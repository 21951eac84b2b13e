import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import type { CollectorOptions } from '../../src/collector/collector-options.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { queuePoisonedBatch, readDeadLetters, ROW_MARKER, spanRow, waitUntil, type QueuedRow } from '../helpers/poisoned-batch.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// A store that refuses rows the collector wrote correctly (a changed column, a view that
// fails) answers with the same "invalid data" codes as a row that is bad by itself. Only
// the second may be set aside: setting aside the first would drain every acknowledged
// span of the queue into the dead-letter file, and past its bound, into nothing.
const directory = makeTempDirectory('store-refuses-valid-rows')
afterAll(() => directory.remove())

function startCollector(queueName: string, options: CollectorOptions = {}): Promise<Collector> {
  return startTestCollector(directory.path, {
    queueDirectory: path.join(directory.path, queueName),
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 100,
    flusherStuckAfterMs: 1,
    ...options,
  })
}

/**
 * A user's materialized view on otel_traces that reads an attribute the spans do not
 * carry as a number: ClickHouse refuses every insert into otel_traces with
 * ATTEMPT_TO_READ_AFTER_EOF (code 32), a code that also means "this row is malformed".
 */
function failingViewStatement(name: string): string {
  return `CREATE MATERIALIZED VIEW ${name} ENGINE = MergeTree ORDER BY tenant AS SELECT toUInt64(SpanAttributes['tenant.number']) AS tenant FROM otel_traces`
}

/** Rows sent to the dead-letter file or dropped past its bound. */
function setAside(collector: Collector): number {
  return collector.metrics.spansDeadLettered + collector.metrics.spansDeadLetterDropped
}

describe('a store that refuses rows the collector wrote correctly', () => {
  it('sets none of them aside: it retries, /healthz says stuck, and once the store is fixed each span is written once', async () => {
    const queueDirectory = path.join(directory.path, 'queue-view')
    const collector = await startCollector('queue-view')
    let viewExists = false
    try {
      await collector.store.client.command({ query: failingViewStatement('tenant_numbers') })
      viewExists = true
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 20, maxRequests: 3, maxMs: 10_000, workflow: 'view-refuses' })
      expect(sent.acknowledgedSpanIds).toHaveLength(60)
      await waitUntil(() => collector.metrics.storeErrors >= 3 || setAside(collector) > 0, 'three refused inserts, or rows set aside')

      expect(setAside(collector)).toBe(0)
      expect(await readDeadLetters(queueDirectory)).toEqual([])
      const health = await fetch(`${collector.url}/healthz`)
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ status: 'unavailable', store: 'ok', flusher: { stuck: true }, lastStoreError: expect.stringContaining('code 32') })
      expect(collector.queue.stats().rows).toBeGreaterThan(0)

      await collector.store.client.command({ query: 'DROP TABLE tenant_numbers' })
      viewExists = false
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'view-refuses', sent.acknowledgedSpanIds)).toEqual({ total: 60, unique: 60, acknowledged: 60 })
      expect(setAside(collector)).toBe(0)
      expect(await readDeadLetters(queueDirectory)).toEqual([])
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200)
    } finally {
      if (viewExists) await collector.store.client.command({ query: 'DROP TABLE tenant_numbers' })
      await collector.close()
    }
  })

  it('still sets aside the rows that are bad by themselves, and only those', async () => {
    const queueDirectory = path.join(directory.path, 'queue-mixed')
    // 30 rows: two malformed by themselves (a zero Timestamp, a negative Duration), the rest well formed.
    const rows: QueuedRow[] = []
    const goodSpanIds: string[] = []
    for (let index = 0; index < 30; index += 1) {
      if (index === 7) rows.push(spanRow({ workflow: 'mixed', overrides: { Timestamp: '0.000000000', StatusMessage: ROW_MARKER } }))
      else if (index === 21) rows.push(spanRow({ workflow: 'mixed', overrides: { Duration: '-5', StatusMessage: ROW_MARKER } }))
      else {
        const row = spanRow({ workflow: 'mixed' })
        goodSpanIds.push(row.SpanId)
        rows.push(row)
      }
    }
    await queuePoisonedBatch(queueDirectory, rows)
    // The view is made before the collector that finds the batch starts, so its first attempt meets it.
    const setup = await startCollector('queue-setup')
    try {
      await setup.store.client.command({ query: failingViewStatement('tenant_numbers_mixed') })
    } finally {
      await setup.close()
    }
    let viewExists = true
    const collector = await startCollector('queue-mixed')
    try {
      await waitUntil(() => collector.metrics.storeErrors >= 3 || setAside(collector) > 0, 'three refused inserts, or rows set aside')
      // Nothing is set aside while well-formed rows are refused: the batch waits whole.
      expect(setAside(collector)).toBe(0)
      expect(await readDeadLetters(queueDirectory)).toEqual([])

      await collector.store.client.command({ query: 'DROP TABLE tenant_numbers_mixed' })
      viewExists = false
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'mixed', goodSpanIds)).toEqual({ total: 28, unique: 28, acknowledged: 28 })
      const deadLetters = await readDeadLetters(queueDirectory)
      expect(deadLetters.map(({ index, errorName }) => ({ index, errorName }))).toEqual([
        { index: 7, errorName: 'CANNOT_PARSE_DATETIME' },
        { index: 21, errorName: 'CANNOT_PARSE_NUMBER' },
      ])
      expect(collector.metrics.spansDeadLettered).toBe(2)
    } finally {
      if (viewExists) await collector.store.client.command({ query: 'DROP TABLE tenant_numbers_mixed' })
      await collector.close()
    }
  })
  it('writes each row once when a batch stopped while the store refused some of its valid rows is replayed after the fix', async () => {
    const queueDirectory = path.join(directory.path, 'queue-replay')
    // Rows 7 and 21 are malformed; rows 12 and 25 are well formed but lack the attribute the view reads.
    const rows: QueuedRow[] = []
    const goodSpanIds: string[] = []
    for (let index = 0; index < 30; index += 1) {
      if (index === 7) rows.push(spanRow({ workflow: 'replay', overrides: { Timestamp: '0.000000000' } }))
      else if (index === 21) rows.push(spanRow({ workflow: 'replay', overrides: { Duration: '-5' } }))
      else {
        const attributes: Record<string, string> = index === 12 || index === 25 ? {} : { 'tenant.number': String(index) }
        const row = spanRow({ workflow: 'replay' })
        row.SpanAttributes = { ...row.SpanAttributes, ...attributes }
        goodSpanIds.push(row.SpanId)
        rows.push(row)
      }
    }
    await queuePoisonedBatch(queueDirectory, rows)
    const setup = await startCollector('queue-setup-replay')
    try {
      await setup.store.client.command({ query: failingViewStatement('tenant_numbers_replay') })
    } finally {
      await setup.close()
    }
    // The first run writes the ranges before row 12, then waits on the range holding it, and stops.
    const first = await startCollector('queue-replay', { shutdownTimeoutMs: 100 })
    try {
      await waitUntil(() => first.metrics.storeErrors >= 2 || setAside(first) > 0, 'the range holding row 12 refused twice, or rows set aside')
      expect(setAside(first)).toBe(0)
      expect(first.metrics.spansWritten).toBeGreaterThan(0)
    } finally {
      await first.close()
    }
    const fix = await startCollector('queue-setup-replay')
    try {
      await fix.store.client.command({ query: 'DROP TABLE tenant_numbers_replay' })
    } finally {
      await fix.close()
    }
    // The replay makes the same splits with the same tokens: what the first run wrote is not written again.
    const second = await startCollector('queue-replay')
    try {
      expect(second.queue.stats().recoveredSegments).toBe(1)
      await second.drain(30_000)
      expect(await countStoredSpans(second.store, 'replay', goodSpanIds)).toEqual({ total: 28, unique: 28, acknowledged: 28 })
      expect((await readDeadLetters(queueDirectory)).map((letter) => letter.index)).toEqual([7, 21])
    } finally {
      await second.close()
    }
  })
})
