import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { Collector } from '../../../src/collector/collector.js'
import { parseBudgets } from '../../../src/budget/parse-budgets.js'
import { SharedBudgetStore } from '../../../src/budget/shared/shared-budget-store.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { startTestCollector } from '../../helpers/start-test-collector.js'
import { makeTempDirectory } from '../../helpers/temp-directory.js'
import { storedSpendUnits, usd } from '../budget-test-store.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'
import { startRouterChild, type RouterChild, type RouterChildOptions } from './router-child.js'

// gpt-4.1-mini: ~15 prompt tokens × $0.40/M + at most 100 output × $1.60/M: a worst case of about $0.000166.
const worstCallUnits = usd('0.000170')

type Outcome = 'ok' | 'refused' | 'unavailable' | 'error'
interface Counts { ok: number; refused: number; unavailable: number; error: number }
interface LoadReply { records: Array<{ startedAtMs: number; outcome: Outcome }> }

describeWithPart('redis-server', 'routers in three processes sharing one budget through Redis', (part) => {
  const directory = makeTempDirectory('shared-routers')
  let server: RedisTestServer
  let collector: Collector
  const children: RouterChild[] = []
  let run = 0

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    collector = await startTestCollector(directory.path)
  }, 60_000)

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.close()))
  })

  afterAll(async () => {
    await collector?.close()
    await server?.stop()
    directory.remove()
  })

  async function threeRouters(options: Omit<RouterChildOptions, 'collectorUrl' | 'redisUrl'>): Promise<RouterChild[]> {
    const started = await Promise.all([0, 1, 2].map(() => startRouterChild({ collectorUrl: collector.url, redisUrl: server.url, ...options })))
    children.push(...started)
    return started
  }

  async function storedSpend(children: readonly RouterChild[], workflow: string): Promise<bigint> {
    await Promise.all(children.map((child) => child.send({ op: 'flush' })))
    await collector.drain(20_000)
    return storedSpendUnits(collector.store, workflow)
  }

  it('holds the budget under 300 concurrent requests: stored spend ends within the limit plus one call', async () => {
    run += 1
    const workflow = `processes-burst-${run}`
    const routers = await threeRouters({ workflow, limitUsd: '0.01', onUnavailable: 'local' })
    const counts = await Promise.all(routers.map((router) => router.send<Counts>({ op: 'burst', count: 100 })))
    const ok = counts.reduce((sum, count) => sum + count.ok, 0)
    const refused = counts.reduce((sum, count) => sum + count.refused, 0)
    expect(ok + refused).toBe(300)
    // $0.01 holds about 60 worst cases; one process alone would admit as many.
    expect(ok).toBeGreaterThanOrEqual(55)
    const stored = await storedSpend(routers, workflow)
    expect(stored).toBeGreaterThan(0n)
    expect(stored).toBeLessThanOrEqual(usd('0.01') + worstCallUnits)
  }, 120_000)

  it('frees the room of a process killed with calls in flight within its lease', async () => {
    run += 1
    const workflow = `processes-kill-${run}`
    const leaseMs = 2_000
    const [doomed, first, second] = await threeRouters({ workflow, limitUsd: '0.01', onUnavailable: 'local', leaseMs })
    expect(await doomed!.send({ op: 'hold', count: 55 })).toMatchObject({ active: 55 })
    const crowded = await first!.send<Counts>({ op: 'burst', count: 20 })
    expect(crowded.refused).toBeGreaterThanOrEqual(12)
    await doomed!.kill()
    const killedAtMs = Date.now()
    let admitted = 0
    for (let round = 0; round < 40 && admitted < 40; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      admitted += (await second!.send<Counts>({ op: 'burst', count: 5 })).ok
    }
    expect(admitted).toBeGreaterThanOrEqual(40)
    // The lease, one renew interval and a sync: well under 3 leases.
    expect(Date.now() - killedAtMs).toBeLessThan(3 * leaseMs + 5_000)
  }, 120_000)

  it('with onUnavailable "block": refuses while Redis is killed, admits again once it restarts', async () => {
    run += 1
    const workflow = `processes-block-${run}`
    const routers = await threeRouters({ workflow, limitUsd: '100', onUnavailable: 'block' })
    const { killedAtMs, restartedAtMs, records } = await loadAcrossRestart(routers)
    expect(records.filter((record) => record.outcome === 'error')).toEqual([])
    expect(records.filter((record) => record.outcome === 'unavailable').length).toBeGreaterThan(0)
    expect(records.filter((record) => record.outcome === 'ok' && record.startedAtMs < killedAtMs).length).toBeGreaterThan(0)
    // A call started while Redis was down went through only if it was admitted before the kill was noticed.
    expect(records.filter((record) => record.outcome === 'ok' && record.startedAtMs > restartedAtMs + 2_000).length).toBeGreaterThan(0)
  }, 120_000)

  it('with onUnavailable "local": goes on alone while Redis is killed, and the state converges once it restarts', async () => {
    run += 1
    const workflow = `processes-local-${run}`
    const routers = await threeRouters({ workflow, limitUsd: '100', onUnavailable: 'local' })
    const { killedAtMs, restartedAtMs, records } = await loadAcrossRestart(routers)
    expect(records.filter((record) => record.outcome !== 'ok')).toEqual([])
    expect(records.filter((record) => record.startedAtMs > killedAtMs + 200 && record.startedAtMs < restartedAtMs).length).toBeGreaterThan(0)
    expect(records.filter((record) => record.startedAtMs > restartedAtMs + 2_000).length).toBeGreaterThan(0)
    // Every call ended: once the processes synced with the restarted Redis, nothing is reserved there
    // (the headroom an idle process held goes back within a few of its 1 s ticks).
    const store = new SharedBudgetStore({ url: server.url, onUnavailable: 'local' })
    store.track({ budgets: parseBudgets([{ name: `${workflow}-hourly`, window: '1h', limitUsd: '100' }]).map((budget) => budget.name), figureAtMs: () => Date.now() })
    try {
      await store.start()
      const deadline = Date.now() + 5_000
      let [figure] = await store.figures()
      while (figure?.reservedUnits !== 0n && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        ;[figure] = await store.figures()
      }
      expect(figure?.reservedUnits).toBe(0n)
    } finally {
      await store.close()
    }
  }, 120_000)

  /** 6 s of load on every router; Redis killed after 1.5 s and restarted 1.5 s later. */
  async function loadAcrossRestart(routers: readonly RouterChild[]): Promise<{ killedAtMs: number; restartedAtMs: number; records: LoadReply['records'] }> {
    const loads = routers.map((router) => router.send<LoadReply>({ op: 'load', concurrency: 4, durationMs: 6_000 }))
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const killedAtMs = Date.now()
    await server.kill()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await server.restart()
    const restartedAtMs = Date.now()
    const records = (await Promise.all(loads)).flatMap((load) => load.records)
    return { killedAtMs, restartedAtMs, records }
  }
})
