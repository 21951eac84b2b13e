import path from 'node:path'
import { startCollector, type Collector } from '../../src/collector/collector.js'
import type { CollectorOptions } from '../../src/collector/collector-options.js'

/** A collector on 127.0.0.1 port 0 with its store and queue under `directory`. */
export function startTestCollector(directory: string, options: CollectorOptions = {}): Promise<Collector> {
  return startCollector({
    host: '127.0.0.1',
    port: 0,
    store: `chdb://${path.join(directory, 'store')}`,
    queueDirectory: path.join(directory, 'queue'),
    batchIntervalMs: 50,
    ...options,
  })
}

/** POST a body to the collector and read the answer. */
export async function postTraces(collectorUrl: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${collectorUrl}/v1/traces`, { method: 'POST', body, headers })
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) }
}
