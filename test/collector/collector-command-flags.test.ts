import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClickHouseHttpFront, type ClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { queuePoisonedBatch, readDeadLetters, spanRow, waitUntil, type QueuedRow } from '../helpers/poisoned-batch.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { spawnCollector as spawnCollectorProcess } from '../helpers/spawn-collector.js'
import { postTraces } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/*
 * `switchyard collector --dead-letter-max --flusher-stuck-after`, as its own process on a
 * ClickHouse server's HTTP interface (a test front that can fail on demand). With the
 * defaults (64 MiB, 1 minute) neither effect below would show within the test.
 */
const directory = makeTempDirectory('collector-command-flags')
const queueDirectory = path.join(directory.path, 'queue')
let front: ClickHouseHttpFront
let child: ChildProcess | undefined

beforeAll(async () => {
  front = await startClickHouseHttpFront({ dataDir: path.join(directory.path, 'engine'), user: 'collector', password: 'c0llect-flags' })
})
afterAll(async () => {
  child?.kill('SIGKILL')
  await front?.close()
  directory.remove()
})

/** The collector's URL once it listens. */
async function spawnCollector(flags: string[]): Promise<string> {
  const started = await spawnCollectorProcess(['--store', `${front.url}/otel`, '--queue-dir', queueDirectory, '--batch-interval-ms', '50', ...flags])
  child = started.child
  return started.url
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1))
}

describe('switchyard collector --dead-letter-max and --flusher-stuck-after', () => {
  it('drops refused spans past a 1-byte dead-letter file, and reports the flusher stuck after 200ms of failed inserts', async () => {
    // Two rows the store refuses as invalid among eight good ones, queued as a previous run would have left them.
    const rows: QueuedRow[] = Array.from({ length: 10 }, (_, index) => spanRow({
      workflow: 'cli-flags',
      overrides: index === 2 ? { Timestamp: '0.000000000' } : index === 7 ? { Duration: '-5' } : {},
    }))
    await queuePoisonedBatch(queueDirectory, rows)
    const url = await spawnCollector(['--dead-letter-max', '1', '--flusher-stuck-after', '200ms'])

    await waitUntil(async () => await metricValue(url, 'switchyard_collector_spans_written_total') === 8, 'the good rows written')
    expect(await metricValue(url, 'switchyard_collector_spans_dead_letter_dropped_total')).toBe(2)
    expect(await metricValue(url, 'switchyard_collector_spans_dead_lettered_total')).toBe(0)
    expect(await readDeadLetters(queueDirectory)).toEqual([])

    front.faults.failNext(1_000_000)
    const spans = serializeSpans(makeModelCallSpans(2, { workflow: 'cli-flags-stuck' }), 'protobuf')
    expect((await postTraces(url, spans, { 'content-type': 'application/x-protobuf' })).status).toBe(200)
    let health: { status: string; flusher?: { stuck: boolean; failedAttempts: number } } = { status: '' }
    await waitUntil(async () => {
      health = await (await fetch(`${url}/healthz`)).json() as typeof health
      return health.flusher?.stuck === true
    }, 'the flusher reported stuck')
    expect(health).toMatchObject({ status: 'unavailable', flusher: { stuck: true } })
    expect(health.flusher?.failedAttempts).toBeGreaterThanOrEqual(1)

    front.faults.clear()
    await waitUntil(async () => await metricValue(url, 'switchyard_collector_spans_written_total') === 10, 'the later spans written once the store answers')
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve))
    child?.kill('SIGTERM')
    expect(await exited).toBe(0)
    child = undefined
  }, 90_000)
})
