import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { QueueShedding } from '../../src/collector/queue-shedding.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('shed-while-writing')

describe('QueueShedding while a group commit is full', () => {
  it('refuses for memory until the appends waiting then are written, and reads again after', async () => {
    const shedding = new QueueShedding(() => 0, 0)
    let written: () => void = () => undefined
    const commit = new Promise<void>((resolve) => {
      written = resolve
    })
    expect(shedding.refuseFor()).toBeUndefined()
    shedding.pendingFull(commit, 50)
    expect(shedding.refuseFor()).toEqual({ resource: 'memory', retryAfterMs: 50 })
    written()
    await commit
    await Promise.resolve()
    expect(shedding.refuseFor()).toBeUndefined()
  })

  it('says disk first while the queue is full on disk, and stops once the queue is under its resume mark', () => {
    let bytes = 100
    const shedding = new QueueShedding(() => bytes, 50)
    shedding.queueFull(1_000)
    shedding.pendingFull(new Promise<void>(() => undefined), 50)
    expect(shedding.refuseFor()).toEqual({ resource: 'disk', retryAfterMs: 1_000 })
    bytes = 50
    // The group commit still waits: the memory bound still refuses.
    expect(shedding.refuseFor()).toEqual({ resource: 'memory', retryAfterMs: 50 })
  })
})

describe('SegmentQueue.appendsSettled', () => {
  it('settles once every append made before it is written, and never rejects', async () => {
    const queue = await SegmentQueue.open({ dir: path.join(directory.path, 'queue-settled'), segmentMaxBytes: 400 })
    const appends = [queue.append(Buffer.alloc(100), 1), queue.append(Buffer.alloc(100), 1)]
    expect(queue.stats()).toMatchObject({ pendingBytes: expect.any(Number) as number, appendedRecords: 0 })
    expect(queue.stats().pendingBytes).toBeGreaterThan(200)
    await queue.appendsSettled()
    expect(queue.stats()).toMatchObject({ pendingBytes: 0, appendedRecords: 2 })
    await Promise.all(appends)
    // Past the pending bound (400 bytes): refused, and appendsSettled still resolves.
    const refused = Array.from({ length: 4 }, () => queue.append(Buffer.alloc(100), 1).then(() => 'ok', (error: unknown) => (error as Error).name))
    await expect(queue.appendsSettled()).resolves.toBeUndefined()
    expect(await Promise.all(refused)).toContain('QueueFullError')
    await queue.close()
  })
})

describe('a collector whose pending writes fill their bound', () => {
  let collector: Collector
  beforeAll(async () => {
    // 64 KiB of appends may wait for one group commit: two requests of 50 spans (about 29 KB of rows each).
    collector = await startTestCollector(directory.path, { batchBytes: 64 * 1024, fsync: 'always' })
  })
  afterAll(async () => {
    await collector?.close()
    directory.remove()
  })

  it('refuses the next requests unread (503, Retry-After) until its group commit is written, and loses nothing it acknowledged', async () => {
    const acknowledged: string[] = []
    const refusals: { status: number; retryAfter: string | null }[] = []
    // Bounded: ten bursts of 24 concurrent requests at most, until one is refused unread.
    for (let round = 0; round < 10 && collector.metrics.requestsShed === 0; round++) {
      await Promise.all(Array.from({ length: 24 }, async () => {
        const spans = makeModelCallSpans(50, { workflow: 'shed-while-writing' })
        const answer = await postTraces(collector.url, serializeSpans(spans, 'protobuf'), { 'content-type': 'application/x-protobuf' })
        if (answer.status === 200) acknowledged.push(...spans.map((span) => span.spanContext().spanId))
        else refusals.push({ status: answer.status, retryAfter: answer.headers.get('retry-after') })
      }))
    }
    expect(collector.metrics.requestsShed).toBeGreaterThan(0)
    expect(refusals.length).toBeGreaterThanOrEqual(collector.metrics.requestsShed)
    expect(refusals.every((refusal) => refusal.status === 503 && Number(refusal.retryAfter) >= 1)).toBe(true)
    // Once the commit is written, a request is read and taken again.
    const spans = makeModelCallSpans(50, { workflow: 'shed-while-writing' })
    const after = await postTraces(collector.url, serializeSpans(spans, 'protobuf'), { 'content-type': 'application/x-protobuf' })
    expect(after.status).toBe(200)
    acknowledged.push(...spans.map((span) => span.spanContext().spanId))
    await collector.drain(30_000)
    expect(await countStoredSpans(collector.store, 'shed-while-writing', acknowledged)).toEqual({ total: acknowledged.length, unique: acknowledged.length, acknowledged: acknowledged.length })
  })
})
