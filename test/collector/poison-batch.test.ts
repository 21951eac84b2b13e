import { copyFile, readFile, stat, truncate } from 'node:fs/promises'
import path from 'node:path'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import type { CollectorOptions } from '../../src/collector/collector-options.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { queuedLines, queuePoisonedBatch, readDeadLetters, ROW_MARKER, spanRow, waitUntil, type QueuedRow } from '../helpers/poisoned-batch.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('poison-batch')
/** Every line the collector logs through the OTel diagnostics logger, at every level. */
const logged: string[] = []

beforeAll(() => {
  const record = (message: string, ...args: unknown[]): void => {
    logged.push([message, ...args.map(String)].join(' '))
  }
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record }
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true })
})
afterAll(() => {
  diag.disable()
  directory.remove()
})

/** A collector on this file's store with its own queue directory, retrying fast. */
function startCollector(queueName: string, options: CollectorOptions = {}): Promise<Collector> {
  return startTestCollector(directory.path, {
    queueDirectory: path.join(directory.path, queueName),
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 100,
    ...options,
  })
}

/**
 * 40 rows of `workflow`: the decoders would queue rows 0-39 like these, but four are
 * refused by the store: a Timestamp of "0.000000000" (row 3), a negative Duration
 * (row 17), a line cut inside a string (row 28) and the last row, a zero Timestamp again.
 * Each refused row carries the marker.
 */
function poisonedRows(workflow: string): { rows: QueuedRow[]; goodSpanIds: string[]; refusedIndexes: number[] } {
  const rows: QueuedRow[] = []
  const goodSpanIds: string[] = []
  for (let index = 0; index < 40; index += 1) {
    if (index === 3 || index === 39) {
      rows.push(spanRow({ workflow, overrides: { Timestamp: '0.000000000', SpanAttributes: { 'gen_ai.workflow.name': workflow, 'gen_ai.prompt': ROW_MARKER } } }))
    } else if (index === 17) {
      rows.push(spanRow({ workflow, overrides: { Duration: '-5', StatusMessage: ROW_MARKER } }))
    } else if (index === 28) {
      rows.push({ raw: `["${Math.floor(Date.now() / 1000)}.000000000","${ROW_MARKER}` })
    } else {
      const row = spanRow({ workflow })
      goodSpanIds.push(row.SpanId)
      rows.push(row)
    }
  }
  return { rows, goodSpanIds, refusedIndexes: [3, 17, 28, 39] }
}

async function metricsText(collector: Collector): Promise<string> {
  return (await fetch(`${collector.url}/metrics`)).text()
}

describe('a batch the store refuses as invalid', () => {
  it('writes its good rows, sets the refused ones aside, and later spans are written', async () => {
    const queueDirectory = path.join(directory.path, 'queue-poisoned')
    const { rows, goodSpanIds, refusedIndexes } = poisonedRows('poisoned')
    const batch = await queuePoisonedBatch(queueDirectory, rows)
    const collector = await startCollector('queue-poisoned')
    try {
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'poisoned', goodSpanIds)).toEqual({ total: 36, unique: 36, acknowledged: 36 })

      const deadLetters = await readDeadLetters(queueDirectory)
      expect(deadLetters.map((letter) => letter.index)).toEqual(refusedIndexes)
      expect(deadLetters.every((letter) => letter.batch === batch.token && !Number.isNaN(Date.parse(letter.time)))).toBe(true)
      // Each line holds the row exactly as it was queued.
      const lines = queuedLines(rows)
      expect(deadLetters.map((letter) => `${letter.row}\n`)).toEqual(refusedIndexes.map((index) => lines[index]?.toString('utf8')))
      expect(deadLetters[0]).toMatchObject({ errorCode: 41, errorName: 'CANNOT_PARSE_DATETIME' })
      expect(deadLetters[1]).toMatchObject({ errorCode: 72, errorName: 'CANNOT_PARSE_NUMBER' })
      expect(deadLetters[2]?.errorName).toMatch(/^CANNOT_(PARSE|READ)_/)
      expect(deadLetters[3]).toMatchObject({ errorCode: 41, errorName: 'CANNOT_PARSE_DATETIME' })

      const metrics = await metricsText(collector)
      expect(metrics).toContain('switchyard_collector_spans_dead_lettered_total 4\n')
      expect(metrics).toContain('switchyard_collector_spans_dead_letter_dropped_total 0\n')
      expect(metrics).toContain('switchyard_collector_batches_split_total 1\n')
      expect(metrics).toContain('switchyard_collector_spans_written_total 36\n')

      // The last insert was the refused last row: /healthz names the error, not the row.
      const health = await fetch(`${collector.url}/healthz`)
      const healthText = await health.text()
      expect(health.status).toBe(200)
      expect(JSON.parse(healthText)).toMatchObject({ status: 'ok', lastStoreError: expect.stringContaining('CANNOT_PARSE_DATETIME (code 41)'), flusher: { stuck: false } })
      expect(healthText).not.toContain(ROW_MARKER)

      const later = await sendSpanStream({ url: collector.url, spansPerRequest: 50, maxRequests: 4, maxMs: 10_000, workflow: 'after-poison' })
      expect(later.acknowledgedSpanIds).toHaveLength(200)
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'after-poison', later.acknowledgedSpanIds)).toEqual({ total: 200, unique: 200, acknowledged: 200 })
    } finally {
      await collector.close()
    }
    // The flusher said what it did, and no log line quoted a refused row.
    expect(logged.some((line) => line.includes('refused 4 of the 40 spans') && line.includes('CANNOT_PARSE_DATETIME'))).toBe(true)
    expect(logged.filter((line) => line.includes(ROW_MARKER))).toEqual([])
  })

  it('writes nothing twice when the batch is replayed after a crash while its dead letters were being appended', async () => {
    const queueDirectory = path.join(directory.path, 'queue-replayed')
    const deadLetterFile = path.join(queueDirectory, 'dead-letters.jsonl')
    const { rows, goodSpanIds, refusedIndexes } = poisonedRows('replayed')
    const batch = await queuePoisonedBatch(queueDirectory, rows)
    const kept = `${batch.file}.kept`
    await copyFile(batch.file, kept)

    const first = await startCollector('queue-replayed')
    try {
      await first.drain(30_000)
      expect(first.metrics.spansDeadLettered).toBe(4)
    } finally {
      await first.close()
    }
    const deadLettersBefore = await readDeadLetters(queueDirectory)

    // Put things as a collector that died in the middle of appending the dead letters leaves
    // them: every insert of the split done, the last dead letter cut short, the batch still queued.
    await truncate(deadLetterFile, (await stat(deadLetterFile)).size - 20)
    await copyFile(kept, batch.file)
    const second = await startCollector('queue-replayed')
    try {
      expect(second.queue.stats().recoveredSegments).toBe(1)
      await second.drain(30_000)
      // The replay repeats every insert of the split with the same tokens: ClickHouse drops them all.
      expect(await countStoredSpans(second.store, 'replayed', goodSpanIds)).toEqual({ total: 36, unique: 36, acknowledged: 36 })
      // Nor is the projection of model calls, fed by the same inserts, doubled.
      const projected = await second.store.client.query({ query: "SELECT count() AS calls FROM llm_calls WHERE Workflow = 'replayed'", format: 'JSONEachRow' })
      expect(await projected.json()).toEqual([{ calls: 36 }])
      // The replay cut the batch's partly written dead letters off the file and wrote them again whole, each once.
      const deadLetters = await readDeadLetters(queueDirectory)
      expect(deadLetters.map((letter) => letter.index)).toEqual(refusedIndexes)
      expect(deadLetters.map((letter) => letter.row)).toEqual(deadLettersBefore.map((letter) => letter.row))
    } finally {
      await second.close()
    }
  })

  it('counts refused rows past the dead-letter bound as dropped and still writes the rest', async () => {
    const queueDirectory = path.join(directory.path, 'queue-bounded')
    const { rows, goodSpanIds } = poisonedRows('bounded')
    await queuePoisonedBatch(queueDirectory, rows)
    // Room for about two of the four dead letters.
    const collector = await startCollector('queue-bounded', { deadLetterMaxBytes: 1_500 })
    try {
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'bounded', goodSpanIds)).toEqual({ total: 36, unique: 36, acknowledged: 36 })
      const deadLetters = await readDeadLetters(queueDirectory)
      expect(deadLetters.length).toBeGreaterThan(0)
      expect(deadLetters.length).toBeLessThan(4)
      expect(collector.metrics.spansDeadLettered).toBe(deadLetters.length)
      expect(collector.metrics.spansDeadLetterDropped).toBe(4 - deadLetters.length)
      expect((await readFile(path.join(queueDirectory, 'dead-letters.jsonl'))).length).toBeLessThanOrEqual(1_500)
      expect(await metricsText(collector)).toContain(`switchyard_collector_spans_dead_letter_dropped_total ${4 - deadLetters.length}\n`)
    } finally {
      await collector.close()
    }
  })
})

describe('a batch of spans from more than 100 days', () => {
  it('is written whole, not refused for too many partitions', async () => {
    const queueDirectory = path.join(directory.path, 'queue-days')
    const dayOne = Math.floor(Date.parse('2025-01-01T12:00:00Z') / 1000)
    const rows = Array.from({ length: 150 }, (_, day) => spanRow({ workflow: 'many-days', startSeconds: dayOne + day * 86_400 }))
    await queuePoisonedBatch(queueDirectory, rows)
    const collector = await startCollector('queue-days')
    try {
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'many-days', rows.map((row) => row.SpanId))).toEqual({ total: 150, unique: 150, acknowledged: 150 })
      const days = await collector.store.client.query({
        query: "SELECT uniqExact(toDate(Timestamp)) AS days FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = 'many-days'",
        format: 'JSONEachRow',
      })
      expect(await days.json()).toEqual([{ days: 150 }])
      expect(collector.metrics.storeErrors).toBe(0)
      expect(collector.metrics.batchesSplit).toBe(0)
      expect(await readDeadLetters(queueDirectory)).toEqual([])
    } finally {
      await collector.close()
    }
  })
})

describe('a store that fails every insert for a reason other than the rows', () => {
  it('retries without setting any row aside, and /healthz says the flusher is stuck and since when', async () => {
    const queueDirectory = path.join(directory.path, 'queue-stuck')
    const collector = await startCollector('queue-stuck', { flusherStuckAfterMs: 1 })
    let renamed = false
    try {
      await collector.store.client.command({ query: 'RENAME TABLE otel_traces TO otel_traces_away' })
      renamed = true
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 50, maxRequests: 2, maxMs: 10_000, workflow: 'stuck' })
      expect(sent.acknowledgedSpanIds).toHaveLength(100)
      await waitUntil(() => collector.metrics.storeErrors >= 2, 'two failed inserts')

      const health = await fetch(`${collector.url}/healthz`)
      const body = await health.json() as { status: string; store: string; lastStoreError: string; flusher: { stuck: boolean; failingSince: string; failedAttempts: number } }
      expect(health.status).toBe(503)
      expect(body).toMatchObject({ status: 'unavailable', store: 'ok', flusher: { stuck: true } })
      expect(body.flusher.failedAttempts).toBeGreaterThanOrEqual(2)
      expect(Date.parse(body.flusher.failingSince)).toBeLessThanOrEqual(Date.now())
      expect(body.lastStoreError).toContain('UNKNOWN_TABLE (code 60)')
      // Every row would fail the same way, yet none is set aside: the table, not the data, is at fault.
      expect(collector.metrics.spansDeadLettered + collector.metrics.spansDeadLetterDropped).toBe(0)
      expect(collector.metrics.batchesSplit).toBe(0)

      await collector.store.client.command({ query: 'RENAME TABLE otel_traces_away TO otel_traces' })
      renamed = false
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'stuck', sent.acknowledgedSpanIds)).toEqual({ total: 100, unique: 100, acknowledged: 100 })
      const healthy = await fetch(`${collector.url}/healthz`)
      expect(healthy.status).toBe(200)
      expect(await healthy.json()).toMatchObject({ status: 'ok', lastStoreError: null, flusher: { stuck: false, failingSince: null, failedAttempts: 0 } })
      expect(await readDeadLetters(queueDirectory)).toEqual([])
    } finally {
      if (renamed) await collector.store.client.command({ query: 'RENAME TABLE otel_traces_away TO otel_traces' })
      await collector.close()
    }
  })
})
