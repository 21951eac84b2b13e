import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { sendSpanStream } from '../helpers/span-stream.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('collector-start-failure')
afterAll(() => directory.remove())

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

describe('a collector that cannot listen', () => {
  it('fails to start without leaving its queue locked, its flusher running or its store open', async () => {
    const queueDirectory = path.join(directory.path, 'queue')
    const taken = createServer()
    const port = await listen(taken)
    try {
      await expect(startTestCollector(directory.path, { queueDirectory, port })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
    // The same queue directory (and store) opens again in this process, and works.
    const collector = await startTestCollector(directory.path, { queueDirectory })
    try {
      const sent = await sendSpanStream({ url: collector.url, spansPerRequest: 10, maxRequests: 2, maxMs: 10_000, workflow: 'after-failed-start' })
      expect(sent.acknowledgedSpanIds).toHaveLength(20)
      await collector.drain(30_000)
      expect(await countStoredSpans(collector.store, 'after-failed-start', sent.acknowledgedSpanIds)).toEqual({ total: 20, unique: 20, acknowledged: 20 })
    } finally {
      await collector.close()
    }
  })
})
