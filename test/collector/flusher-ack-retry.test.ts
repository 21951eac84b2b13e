import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { waitUntil } from '../helpers/poisoned-batch.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('flusher-ack-retry')
afterAll(() => directory.remove())

describe('a written batch whose deletion must wait (the journal of seen spans cannot be made durable)', () => {
  it('is retried until it can be deleted, /healthz says stuck meanwhile, and the queue drains once the journal is back', async () => {
    const queueDirectory = path.join(directory.path, 'queue')
    const collector = await startTestCollector(directory.path, { queueDirectory, retryBaseDelayMs: 20, retryMaxDelayMs: 100, flusherStuckAfterMs: 1 })
    const journal = path.join(queueDirectory, 'seen-spans')
    const journalAway = path.join(queueDirectory, 'seen-spans.away')
    let broken = false
    try {
      // A file where the journal's directory was: every journal file can neither be created nor synced.
      await rename(journal, journalAway)
      await writeFile(journal, '')
      broken = true
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 25, maxRequests: 4, maxMs: 10_000, workflow: 'ack-retry' })
      expect(sent.acknowledgedSpanIds).toHaveLength(100)
      await collector.queue.sealOpen()

      // A batch is in the store, but it cannot be deleted: the journal is not durable.
      await waitUntil(() => collector.metrics.spansWritten > 0, 'a batch in the store')
      await waitUntil(() => collector.seenSpans!.stats().journalErrors >= 1, 'a failed journal sync')
      expect(collector.queue.stats().segments).toBeGreaterThan(0)
      const health = await fetch(`${collector.url}/healthz`)
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ status: 'unavailable', store: 'ok', flusher: { stuck: true } })
      // Tried again and again, not left on disk until the next start.
      await waitUntil(() => collector.seenSpans!.stats().journalErrors >= 3, 'three failed journal syncs')

      await rm(journal)
      await rename(journalAway, journal)
      broken = false
      await collector.drain(30_000)
      expect(collector.queue.stats()).toMatchObject({ segments: 0, rows: 0 })
      expect(await countStoredSpans(collector.store, 'ack-retry', sent.acknowledgedSpanIds)).toEqual({ total: 100, unique: 100, acknowledged: 100 })
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200)
    } finally {
      if (broken) {
        await rm(journal, { force: true })
        await rename(journalAway, journal).catch(() => mkdir(journal, { recursive: true }))
      }
      await collector.close()
    }
    // The journal is whole again: a re-send of those spans is still dropped by the next collector.
    const next = await startTestCollector(directory.path, { queueDirectory })
    try {
      expect(next.seenSpans!.stats().spans).toBeGreaterThanOrEqual(100)
    } finally {
      await next.close()
    }
  })
})
