import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { SharedBudgetStore } from '../../../src/budget/shared/shared-budget-store.js'
import { runBudgetsCommand } from '../../../src/cli/budgets-command.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { makeTempDirectory } from '../../helpers/temp-directory.js'
import { insertCalls, openBudgetStore, usd } from '../budget-test-store.js'
import { freePort, startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

describeWithPart('redis-server', 'switchyard budgets with shared reservations', (part) => {
  const files = makeTempDirectory('budgets-command-shared')
  let server: RedisTestServer
  let storeUrl: string
  let removeStore: () => void
  const holders: SharedBudgetStore[] = []

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    const opened = await openBudgetStore('budgets-command-shared-store')
    storeUrl = opened.url
    await insertCalls(opened.store, [{ workflow: 'support-triage', costUsd: '2', atMs: Date.now() - 10 * 60_000 }])
    // The command opens the store itself; one process may hold a chdb directory once.
    await opened.store.close()
    removeStore = opened.remove
  })

  afterAll(async () => {
    await Promise.all(holders.map((holder) => holder.close()))
    await server?.stop()
    removeStore?.()
    files.remove()
  })

  /** A router process's side of Redis, holding `count` calls in flight of `units` each. */
  async function holdCalls(count: number, units: bigint): Promise<void> {
    const holder = new SharedBudgetStore({ url: server.url, onUnavailable: 'local' })
    holders.push(holder)
    holder.track({ budgets: ['triage-hourly'], figureAtMs: () => 0 })
    await holder.start()
    for (let id = 1; id <= count; id += 1) {
      expect(await holder.reserve({ id, units, budgets: [{ name: 'triage-hourly', roomUnits: undefined, figureAtMs: 0 }] })).toEqual({ admitted: true })
    }
  }

  async function run(config: object): Promise<{ code: number; output: string }> {
    const file = path.join(files.path, `config-${Math.random().toString(16).slice(2)}.json`)
    writeFileSync(file, JSON.stringify(config))
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const code = await runBudgetsCommand(['--config', file, '--format', 'json'])
      return { code, output: log.mock.calls.map((call) => call.join(' ')).join('\n') }
    } finally {
      log.mockRestore()
    }
  }

  const budgets = [{ name: 'triage-hourly', match: { workflow: 'support-triage' }, window: '1h', limitUsd: 50 }]

  it('shows the calls every process holds in flight as reserved, and counts them in spent', async () => {
    await holdCalls(2, usd('0.25'))
    await holdCalls(1, usd('0.5'))
    const { code, output } = await run({ store: storeUrl, budgets, shared: { url: server.url } })
    expect(code).toBe(0)
    const [triage] = JSON.parse(output) as Record<string, unknown>[]
    expect(triage).toMatchObject({ name: 'triage-hourly', settledUsd: '2', reservedUsd: '1', unconfirmedUsd: '0', spentUsd: '3', share: 0.06 })
  })

  it('says so, and exits 1, when the shared Redis cannot be read', async () => {
    const { code, output } = await run({ store: storeUrl, budgets, shared: { url: `redis://127.0.0.1:${await freePort()}` } })
    expect(code).toBe(1)
    const [triage] = JSON.parse(output) as Record<string, unknown>[]
    expect(triage).toMatchObject({ settledUsd: '2', reservedUsd: '0' })
  })
})
