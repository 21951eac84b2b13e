import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { spawnCollector as spawnCollectorProcess } from '../helpers/spawn-collector.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('collector-crash')
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  directory.remove()
})


/** Start `switchyard collector` as its own process and wait for its listening line. */
async function spawnCollector(): Promise<{ child: ChildProcess; url: string }> {
  const started = await spawnCollectorProcess([
    '--store', `chdb://${path.join(directory.path, 'store')}`,
    '--queue-dir', path.join(directory.path, 'queue'),
    '--batch-interval-ms', '100', '--batch-spans', '2000'])
  children.push(started.child)
  return started
}

describe('SIGTERM', () => {
  it('stops accepting, flushes what it holds into the store, and exits 0', async () => {
    const { child, url } = await spawnCollector()
    const sent = await sendSpanStream({ url, spansPerRequest: 100, maxRequests: 10, maxMs: 10_000, workflow: 'sigterm-test' })
    expect(sent.acknowledgedSpanIds).toHaveLength(1000)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const collector = await startTestCollector(directory.path)
    try {
      // Nothing was left to replay: the shutdown flushed it all.
      expect(collector.queue.stats().recoveredSegments).toBe(0)
      const counts = await countStoredSpans(collector.store, 'sigterm-test', sent.acknowledgedSpanIds)
      expect(counts).toEqual({ total: 1000, unique: 1000, acknowledged: 1000 })
    } finally {
      await collector.close()
    }
  }, 60_000)
})

describe('kill -9 of the collector in the middle of a stream of spans', () => {
  it('loses no acknowledged span and duplicates none after the restart replays the queue', async () => {
    const acknowledged: string[] = []
    for (let round = 0; round < 2; round++) {
      const { child, url } = await spawnCollector()
      const stop = new AbortController()
      const stream = sendSpanStream({
        url,
        spansPerRequest: 50,
        maxRequests: 400,
        maxMs: 20_000,
        workflow: 'crash-test',
        signal: stop.signal,
        onAcknowledged: (total) => {
          // Kill once a good number of spans are acknowledged, while requests are in flight.
          if (total >= 1500 && !child.killed) {
            child.kill('SIGKILL')
            stop.abort()
          }
        },
      })
      const result = await stream
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve))
      expect(child.signalCode).toBe('SIGKILL')
      acknowledged.push(...result.acknowledgedSpanIds)
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(3000)

    const collector = await startTestCollector(directory.path)
    try {
      await collector.drain(60_000)
      const counts = await countStoredSpans(collector.store, 'crash-test', acknowledged)
      expect(counts.acknowledged).toBe(acknowledged.length)
      expect(counts.total).toBe(counts.unique)
    } finally {
      await collector.close()
    }
  }, 120_000)
})
