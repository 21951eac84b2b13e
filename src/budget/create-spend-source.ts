import type { Store } from '../store/create-store.js'
import { createHttpSpendSource, type HttpSpendSourceOptions } from './http-spend-source.js'
import type { SpendSource } from './spend-source.js'
import { createStoreSpendSource } from './store-spend-source.js'

// Kept out of spend-source.ts, which only declares what a source is: each source
// imports that declaration, so a factory there would make an import cycle.
export type CreateSpendSourceOptions =
  | { store: Store }
  | /** A collector's base URL (spend is read from its `/v1/spend`) and its token. */ HttpSpendSourceOptions

/** A spend source for a store (ClickHouse directly) or for a collector's spend endpoint. */
export function createSpendSource(options: CreateSpendSourceOptions): SpendSource {
  return 'store' in options ? createStoreSpendSource(options.store) : createHttpSpendSource(options)
}
