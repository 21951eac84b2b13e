import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { BudgetExceededError } from '../../../src/budget/budget-exceeded-error.js'
import { createBudgetLedger, type BudgetLedger } from '../../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../../src/budget/parse-budgets.js'
import type { Reservation } from '../../../src/budget/reservation.js'
import { RedisScriptClient } from '../../../src/budget/shared/redis-script-client.js'
import { SharedBudgetStore, type SharedBudgetStoreOptions } from '../../../src/budget/shared/shared-budget-store.js'
import { formatUsd } from '../../../src/pricing/format-usd.js'
import type { Store } from '../../../src/store/create-store.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { insertCalls, openBudgetStore, spanId, storedSpendUnits, usd } from '../budget-test-store.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

const limitUnits = usd('0.01')
const worstCaseUnits = usd('0.0002')

describeWithPart('redis-server', 'ledgers of several processes sharing reservations in Redis', (part) => {
  let server: RedisTestServer
  let store: Store
  let closeStore: () => Promise<void>
  let run = 0
  const opened: BudgetLedger[] = []
  const sharedStores = new Map<BudgetLedger, SharedBudgetStore>()

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    const budgetStore = await openBudgetStore('shared-ledgers')
    store = budgetStore.store
    closeStore = budgetStore.close
  })

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ledger) => ledger.close()))
  })

  afterAll(async () => {
    await closeStore?.()
    await server?.stop()
  })

  /** A ledger as one router process would hold it; `shared` undefined for the per-process control. */
  async function ledgerFor(workflow: string, shared: Partial<SharedBudgetStoreOptions> | undefined): Promise<BudgetLedger> {
    const sharedStore = shared === undefined ? undefined : new SharedBudgetStore({ url: server.url, onUnavailable: 'local', keyPrefix: `run${run}:`, ...shared })
    const ledger = createBudgetLedger({
      budgets: parseBudgets([{ name: `${workflow}-hourly`, match: { workflow }, window: '1h', limitUsd: formatUsd(limitUnits) }]),
      source: createSpendSource({ store }),
      refreshIntervalMs: 50,
      ...(sharedStore === undefined ? {} : { shared: sharedStore }),
    })
    opened.push(ledger)
    if (sharedStore !== undefined) sharedStores.set(ledger, sharedStore)
    await ledger.start()
    return ledger
  }

  /** What another process reads of `budget` in Redis within seconds (the leases are a minute): nothing reserved, nothing left to a lease. */
  async function expectNothingReserved(budget: string): Promise<void> {
    const observer = new SharedBudgetStore({ url: server.url, onUnavailable: 'local', keyPrefix: `run${run}:` })
    observer.track({ budgets: [budget], figureAtMs: () => Date.now() })
    try {
      await observer.start()
      const deadline = Date.now() + 5_000
      let [figure] = await observer.figures()
      while (figure?.reservedUnits !== 0n && Date.now() < deadline) {
        await sleep(100)
        ;[figure] = await observer.figures()
      }
      expect(figure).toMatchObject({ reservedUnits: 0n, expired: 0 })
    } finally {
      await observer.close()
    }
  }

  /** Reserve (waiting for the shared check); undefined when refused. */
  async function admit(ledger: BudgetLedger, workflow: string, units = worstCaseUnits): Promise<Reservation | undefined> {
    try {
      const reservation = ledger.reserve({ scope: { workflow }, worstCaseUnits: units })
      await reservation.admission
      return reservation
    } catch (error) {
      if (BudgetExceededError.isInstance(error)) return undefined
      throw error
    }
  }

  /** 100 calls on each ledger at once; each admitted one costs 50-100% of its worst case and reaches the store a little later. */
  async function burst(ledgers: readonly BudgetLedger[], workflow: string): Promise<{ admitted: number }> {
    let admitted = 0
    const ingests: Promise<void>[] = []
    await Promise.all(ledgers.flatMap((ledger) => Array.from({ length: 100 }, async () => {
      await sleep(randomInt(0, 30))
      const reservation = await admit(ledger, workflow)
      if (reservation === undefined) return
      admitted += 1
      await sleep(randomInt(5, 40))
      const id = spanId()
      const costUnits = worstCaseUnits / 2n + BigInt(randomInt(0, Number(worstCaseUnits / 2n)))
      reservation.settle(costUnits, { spanId: id })
      ingests.push(sleep(randomInt(0, 100)).then(() => insertCalls(store, [{ spanId: id, workflow, costUsd: formatUsd(costUnits), atMs: Date.now() }])))
    })))
    await Promise.all(ingests)
    return { admitted }
  }

  it('three ledgers under 300 concurrent calls spend no more than the limit plus one call', async () => {
    run += 1
    const workflow = `shared-burst-${run}`
    const ledgers = [await ledgerFor(workflow, {}), await ledgerFor(workflow, {}), await ledgerFor(workflow, {})]
    const { admitted } = await burst(ledgers, workflow)
    const stored = await storedSpendUnits(store, workflow)
    expect(stored).toBeLessThanOrEqual(limitUnits + worstCaseUnits)
    // 50 worst cases fit at once; calls that settle for less make room for more.
    expect(admitted).toBeGreaterThanOrEqual(50)
  })

  it('with headroom granted to the processes, three ledgers loaded until refused still spend no more than the limit plus one call', async () => {
    run += 1
    const workflow = `headroom-load-${run}`
    // Headroom at the slightest rate, and up to half of the room per process: the case where grants matter most.
    const headroom = { headroom: { minCallsPerSecond: 1, maxShareOfRoom: 0.5 } }
    const ledgers = [await ledgerFor(workflow, headroom), await ledgerFor(workflow, headroom), await ledgerFor(workflow, headroom)]
    // Calls of a tenth of the burst's worst case: about 650 fit, enough for the processes to hold headroom on the way.
    const callUnits = worstCaseUnits / 10n
    // Finished calls reach the store in batches, every 50 ms, as a collector would insert them.
    const rows: Array<{ spanId: string; workflow: string; costUsd: string; atMs: number }> = []
    const ingest = async (): Promise<void> => {
      if (rows.length > 0) await insertCalls(store, rows.splice(0))
    }
    let ingesting = Promise.resolve()
    const ingester = setInterval(() => { ingesting = ingesting.then(ingest) }, 50)
    let admitted = 0
    await Promise.all(ledgers.flatMap((ledger) => Array.from({ length: 16 }, async () => {
      for (let refusals = 0; refusals < 3;) {
        const reservation = await admit(ledger, workflow, callUnits)
        if (reservation === undefined) {
          refusals += 1
          await sleep(20)
          continue
        }
        admitted += 1
        await sleep(randomInt(1, 6))
        const id = spanId()
        const costUnits = callUnits / 2n + BigInt(randomInt(0, Number(callUnits / 2n)))
        reservation.settle(costUnits, { spanId: id })
        rows.push({ spanId: id, workflow, costUsd: formatUsd(costUnits), atMs: Date.now() })
      }
    })))
    clearInterval(ingester)
    await ingesting.then(ingest)
    const fromHeadroom = ledgers.reduce((sum, ledger) => sum + sharedStores.get(ledger)!.admittedFromGrant, 0)
    expect(fromHeadroom).toBeGreaterThan(admitted / 10)
    expect(await storedSpendUnits(store, workflow)).toBeLessThanOrEqual(limitUnits + callUnits)
    // 500 worst cases fit at once; calls that settle for less make room for more.
    expect(admitted).toBeGreaterThanOrEqual(500)
  })

  it('admits most calls of a steady load from its headroom, with far fewer script calls, and gives the headroom back when idle and on close', async () => {
    run += 1
    const workflow = `headroom-steady-${run}`
    const ledger = await ledgerFor(workflow, {})
    const sharedStore = sharedStores.get(ledger)!
    const adminClient = new RedisScriptClient({ url: server.url })
    await adminClient.ready(5_000)
    const admin = await adminClient.connect()
    await admin.sendCommand(['CONFIG', 'RESETSTAT'])
    const calls = 3_000
    const load = async (count: number): Promise<void> => {
      let made = 0
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (made < count) {
          made += 1
          const reservation = await admit(ledger, workflow, 1_000n)
          await new Promise((resolve) => setImmediate(resolve))
          reservation?.settle(500n)
        }
      }))
    }
    await load(calls)
    const info = String(await admin.sendCommand(['INFO', 'commandstats']))
    const scriptCalls = Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0)
    await adminClient.close()
    expect(sharedStore.admittedFromGrant).toBeGreaterThan(calls / 2)
    expect(scriptCalls).toBeLessThan(calls / 5)
    const [held] = await sharedStore.figures()
    expect(held!.reservedUnits).toBeGreaterThan(0n)
    // Idle, it gives the headroom back within a few ticks; busy again, it holds some again.
    const idle = await until(async () => ((await sharedStore.figures())[0]!.reservedUnits === 0n ? true : undefined))
    expect(idle).toBe(true)
    await load(1_000)
    expect((await sharedStore.figures())[0]!.reservedUnits).toBeGreaterThan(0n)
    await ledger.close()
    await expectNothingReserved(`${workflow}-hourly`)
  })

  it('without shared state the same burst overshoots (the case the shared store exists for)', async () => {
    run += 1
    const workflow = `local-burst-${run}`
    const ledgers = [await ledgerFor(workflow, undefined), await ledgerFor(workflow, undefined), await ledgerFor(workflow, undefined)]
    await burst(ledgers, workflow)
    expect(await storedSpendUnits(store, workflow)).toBeGreaterThan(limitUnits + worstCaseUnits)
  })

  it('moves a finished call from reserved to unconfirmed, and out of Redis once a scan sees its span', async () => {
    run += 1
    const workflow = `handover-${run}`
    const ledger = await ledgerFor(workflow, {})
    const sharedStore = sharedStores.get(ledger)!
    const reservation = await admit(ledger, workflow)
    expect((await sharedStore.figures())[0]).toMatchObject({ reservedUnits: worstCaseUnits, unconfirmedUnits: 0n })
    const id = spanId()
    reservation!.settle(usd('0.00005'), { spanId: id })
    await sharedStore.flush()
    expect((await sharedStore.figures())[0]).toMatchObject({ reservedUnits: 0n, unconfirmedUnits: usd('0.00005') })
    await insertCalls(store, [{ spanId: id, workflow, costUsd: '0.00005', atMs: Date.now() }])
    const seen = await until(async () => {
      await sharedStore.flush()
      const [figure] = await sharedStore.figures()
      return figure!.unconfirmedUnits === 0n && figure!.seenEntries === 1 ? figure : undefined
    })
    expect(seen).toMatchObject({ reservedUnits: 0n, unconfirmedUnits: 0n, seenEntries: 1 })
  })

  it('frees the room of a process that stopped renewing within its lease', async () => {
    run += 1
    const workflow = `lease-${run}`
    const lease = { leaseMs: 1_000, renewIntervalMs: 200 }
    const dying = await ledgerFor(workflow, lease)
    const survivor = await ledgerFor(workflow, lease)
    const held = await Promise.all(Array.from({ length: 50 }, () => admit(dying, workflow)))
    expect(held.every((reservation) => reservation !== undefined)).toBe(true)
    expect(await admit(survivor, workflow)).toBeUndefined()
    // Its renewals stop and nothing is released: as a process killed with calls in flight.
    await dying.close()
    const startedAtMs = Date.now()
    const admitted = await until(() => admit(survivor, workflow))
    expect(admitted).toBeDefined()
    expect(Date.now() - startedAtMs).toBeLessThan(10_000)
  })

  it('sends its pending releases when it closes, so the others need not wait for the leases', async () => {
    run += 1
    const workflow = `close-${run}`
    const closing = await ledgerFor(workflow, {})
    const held = await Promise.all(Array.from({ length: 10 }, () => admit(closing, workflow)))
    for (const reservation of held) reservation?.release()
    await closing.close()
    await expectNothingReserved(`${workflow}-hourly`)
  })

  it('with onUnavailable "block", refuses while Redis is down and admits again once it is back', async () => {
    run += 1
    const workflow = `block-${run}`
    const ledger = await ledgerFor(workflow, { onUnavailable: 'block', commandTimeoutMs: 500 })
    expect(await admit(ledger, workflow)).toBeDefined()
    await server.kill()
    try {
      const refusal = await refusalOf(ledger, workflow)
      expect(refusal).toMatchObject({ code: 'budget_exceeded', reason: 'shared_unavailable' })
    } finally {
      await server.restart()
    }
    expect(await until(() => admit(ledger, workflow))).toBeDefined()
  })

  it('with onUnavailable "local", decides alone while Redis is down, marks the decision, and re-registers calls in flight', async () => {
    run += 1
    const workflow = `local-${run}`
    const ledger = await ledgerFor(workflow, { commandTimeoutMs: 500, renewIntervalMs: 200 })
    const sharedStore = sharedStores.get(ledger)!
    const before = await admit(ledger, workflow)
    await server.kill()
    let during: Reservation | undefined
    try {
      during = await until(async () => {
        const reservation = await admit(ledger, workflow)
        return reservation?.decision.shared === 'unavailable' ? reservation : undefined
      })
      expect(during?.decision.summary?.shared).toBe('unavailable')
    } finally {
      await server.restart()
    }
    // Redis came back empty: both calls still in flight are registered again.
    const figure = await until(async () => {
      const [current] = await sharedStore.figures().catch(() => [undefined])
      return current?.reservedUnits === 2n * worstCaseUnits ? current : undefined
    })
    expect(figure?.reservedUnits).toBe(2n * worstCaseUnits)
    before?.release()
    during?.release()
  })

  async function refusalOf(ledger: BudgetLedger, workflow: string): Promise<unknown> {
    try {
      await ledger.reserve({ scope: { workflow }, worstCaseUnits }).admission
    } catch (error) {
      return error
    }
    return undefined
  }
})

/** Ask until `probe` gives a value (every 100 ms, at most 15 s). */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await sleep(100)
  }
  return undefined
}
