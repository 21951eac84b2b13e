import path from 'node:path'
import type { DemoDestination } from './demo-sink.js'

export interface DemoDestinationOptions {
  /** Where the embedded store and the demo collector's queue live; default `.switchyard`. */
  directory?: string
  /** The store the demo's own collector writes; default `chdb://<directory>/data`. */
  store?: string
  /** A running collector's base URL: the demo sends its spans there and starts none. */
  collector?: string
  /** That collector's bearer token. */
  collectorToken?: string
}

/**
 * The demo's one choice of destination: a running collector when one is named,
 * else a collector of its own on the given store, else on the embedded store in
 * `<directory>/data` (where `switchyard report` looks by default).
 */
export function demoDestination(options: DemoDestinationOptions): DemoDestination {
  if (options.collector !== undefined) return { kind: 'collector', collectorUrl: options.collector, token: options.collectorToken }
  const directory = path.resolve(options.directory ?? '.switchyard')
  return {
    kind: 'store',
    storeUrl: options.store ?? `chdb://${path.join(directory, 'data')}`,
    queueDirectory: path.join(directory, 'queue'),
  }
}
