import { createStore, type Store } from '../store/create-store.js'
import type { BudgetConfig } from './budget-config.js'
import { BudgetConfigError } from './budget-config-error.js'
import { createBudgetLedger, type BudgetLedger } from './budget-ledger.js'
import { createSpendSource } from './create-spend-source.js'
import { SharedBudgetStore, type SharedBudgetStoreOptions } from './shared/shared-budget-store.js'
import type { SpendSource } from './spend-source.js'

export interface CreateBudgetLedgerForOptions {
  budgets: readonly BudgetConfig[]
  /** Where settled spend is read, when the caller has one already (tests, an embedded collector). */
  spendSource?: SpendSource
  /** A collector's `/v1/spend` URL; used when no `spendSource` is given. */
  spendEndpoint?: string
  /** A store URL (`chdb://...`, `http://...`); opened here, and closed by `close()`, when nothing above is given. */
  store?: string
  /**
   * The config's `shared` (`{ url, onUnavailable }`), and optionally the lease and
   * renew timings: reservations are then checked and held in Redis across processes.
   */
  shared?: Omit<SharedBudgetStoreOptions, 'now'> | undefined
  now: () => number
}

/** A ledger with what it owns: `ready` once it has read the store's spend, `close` ends both. */
export interface BudgetLedgerSetup {
  ledger: BudgetLedger
  ready: Promise<void>
  close(): Promise<void>
}

/**
 * The budget ledger of one router: it picks where settled spend comes from (the
 * given source, else the spend endpoint, else the store, opened here), and starts
 * the ledger once that source can answer. Without budgets there is nothing to
 * set up. The store opens asynchronously; until then the ledger decides on local
 * spend only, so building a router never waits on ClickHouse.
 */
export function createBudgetLedgerFor(options: CreateBudgetLedgerForOptions): BudgetLedgerSetup | undefined {
  if (options.budgets.length === 0) return undefined
  let ownedStore: Store | undefined
  let source = options.spendSource
  const pending: Promise<void>[] = []
  if (source === undefined && options.spendEndpoint !== undefined) source = createSpendSource({ url: options.spendEndpoint })
  if (source === undefined && options.store !== undefined) {
    let resolveStore!: (store: Store) => void
    const storeReady = new Promise<Store>((resolve) => { resolveStore = resolve })
    source = lazySpendSource(storeReady)
    pending.push(createStore({ url: options.store }).then((store) => {
      ownedStore = store
      resolveStore(store)
    }))
  }
  if (source === undefined) {
    throw new BudgetConfigError([{ path: 'budgets', message: 'budgets need settled spend: set `store` (a ClickHouse URL) or `spendEndpoint` (a collector URL)' }])
  }
  const shared = options.shared === undefined ? undefined : new SharedBudgetStore({ ...options.shared, now: options.now })
  const ledger = createBudgetLedger({ budgets: options.budgets, source, now: options.now, ...(shared === undefined ? {} : { shared }) })
  const ready = Promise.all(pending).then(() => ledger.start())
  ready.catch(() => undefined)
  return {
    ledger,
    ready,
    async close() {
      await ledger.close()
      await ownedStore?.close()
    },
  }
}

/** True when `createBudgetLedgerFor` would find a source of settled spend for these options. */
export function hasSpendSource(options: Pick<CreateBudgetLedgerForOptions, 'spendSource' | 'spendEndpoint' | 'store'>): boolean {
  return options.spendSource !== undefined || options.spendEndpoint !== undefined || options.store !== undefined
}

/** A store-backed spend source whose store is still opening. */
function lazySpendSource(store: Promise<Store>): SpendSource {
  let source: Promise<SpendSource> | undefined
  const get = (): Promise<SpendSource> => (source ??= store.then((opened) => createSpendSource({ store: opened })))
  return {
    description: 'the store (opening)',
    maxSpanIds: 1_000,
    fetchSpend: async (query) => (await get()).fetchSpend(query),
    fetchOutputTokenPercentiles: async (options) => (await (await get()).fetchOutputTokenPercentiles?.(options)) ?? [],
  }
}
