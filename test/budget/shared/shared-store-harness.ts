import { afterAll, afterEach, beforeAll } from 'vitest'
import { RedisScriptClient } from '../../../src/budget/shared/redis-script-client.js'
import { SharedBudgetStore, type SharedBudgetStoreOptions } from '../../../src/budget/shared/shared-budget-store.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

export interface SharedStoreHarness {
  /** The suite's redis-server. */
  server(): RedisTestServer
  /** A plain connection for the test's own commands (CONFIG, INFO, SLOWLOG, FLUSHALL). */
  admin(): RedisScriptClient
  /** A started store tracking budget `b` (figures read at 0); closed after the test. */
  open(options: Omit<SharedBudgetStoreOptions, 'url' | 'onUnavailable'> & { onUnavailable?: 'local' | 'block' }): Promise<SharedBudgetStore>
}

/**
 * The set-up the store suites share: a redis-server of the suite's own, an admin
 * connection, and stores that each test opens and the harness closes. Call it inside
 * describeWithPart's body, with its part.
 */
export function useSharedStores(part: { executable: string }): SharedStoreHarness {
  let server: RedisTestServer | undefined
  let admin: RedisScriptClient | undefined
  const opened: SharedBudgetStore[] = []

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    admin = new RedisScriptClient({ url: server.url, commandTimeoutMs: 5_000 })
    await admin.ready(5_000)
  })

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
  })

  afterAll(async () => {
    await admin?.close()
    await server?.stop()
  })

  return {
    server: () => server!,
    admin: () => admin!,
    async open(options) {
      const store = new SharedBudgetStore({ onUnavailable: 'block', ...options, url: server!.url })
      opened.push(store)
      store.track({ budgets: ['b'], figureAtMs: () => 0 })
      await store.start()
      return store
    },
  }
}
