import { describe, expect, it } from 'vitest'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// Its own file: one process owns one embedded store at a time.
describe('the web view served by the collector', () => {
  it('answers /ui/ on loopback beside the OTLP routes', async () => {
    const collectorDirectory = makeTempDirectory('collector-web-view')
    let collector: Collector | undefined
    try {
      collector = await startCollector({ port: 0, store: `chdb://${collectorDirectory.path}/store`, queueDirectory: `${collectorDirectory.path}/queue` })
      const page = await fetch(`${collector.url}/ui/runs`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      const runs = await fetch(`${collector.url}/ui/api/runs`)
      expect(runs.status).toBe(200)
    } finally {
      await collector?.close()
      collectorDirectory.remove()
    }
  })
})
