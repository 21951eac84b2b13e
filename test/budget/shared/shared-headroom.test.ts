import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import type { SharedBudgetStore } from '../../../src/budget/shared/shared-budget-store.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { useSharedStores } from './shared-store-harness.js'

const callUnits = 1_000_000n
const roomUnits = 200n * callUnits

describeWithPart('redis-server', 'headroom: room a process holds ahead of its calls', (part) => {
  const harness = useSharedStores(part)
  let run = 0
  const openStore = (): Promise<SharedBudgetStore> =>
    harness.open({ keyPrefix: `headroom${run}:`, headroom: { minCallsPerSecond: 1, maxShareOfRoom: 0.5 } })

  /**
   * Calls that each cost their worst case, one after another, from the headroom when
   * they fit it and checked in Redis otherwise, until Redis has refused 20 of them.
   * The room is the whole limit here (nothing settled): what was admitted must fit it.
   */
  async function spendUntilRefused(stores: readonly SharedBudgetStore[]): Promise<{ admittedUnits: bigint; fromHeadroom: number }> {
    let admittedUnits = 0n
    let refusals = 0
    let id = 0
    const budgets = [{ name: 'b', roomUnits, figureAtMs: 0 }]
    for (let step = 0; step < 3_000 && refusals < 20; step += 1) {
      const store = stores[step % stores.length]!
      id += 1
      if (!store.admitFromGrant({ id, units: callUnits, budgets })) {
        const answer = await store.reserve({ id, units: callUnits, budgets })
        if (!answer.admitted) {
          refusals += 1
          await sleep(5)
          continue
        }
      }
      admittedUnits += callUnits
      store.finish(id, 'b', callUnits)
      if (step % 10 === 0) await Promise.all(stores.map((each) => each.flush()))
    }
    return { admittedUnits, fromHeadroom: stores.reduce((sum, store) => sum + store.admittedFromGrant, 0) }
  }

  it('spends the room a grant set aside once: what a finished call cost leaves the grant', async () => {
    run += 1
    const { admittedUnits, fromHeadroom } = await spendUntilRefused([await openStore()])
    expect(fromHeadroom).toBeGreaterThan(20)
    expect(admittedUnits).toBeLessThanOrEqual(roomUnits)
  })

  it('registers again what it holds when Redis restarted between two of its commands (NOSCRIPT)', async () => {
    run += 1
    const store = await openStore()
    const budgets = [{ name: 'b', roomUnits, figureAtMs: 0 }]
    for (let id = 1; id <= 3; id += 1) expect((await store.reserve({ id, units: callUnits, budgets })).admitted).toBe(true)
    store.finish(1, 'b', callUnits / 2n)
    await store.flush()
    const before = (await store.figures())[0]!
    expect(before).toMatchObject({ reservedUnits: 2n * callUnits, unconfirmedUnits: callUnits / 2n })
    const connection = await harness.admin().connect()
    // As a restart without persistence: every key and the script gone, the connection kept.
    await connection.sendCommand(['FLUSHALL'])
    await connection.sendCommand(['SCRIPT', 'FLUSH'])
    await store.figures()
    await store.flush()
    expect((await store.figures())[0]).toMatchObject({ reservedUnits: 2n * callUnits, unconfirmedUnits: callUnits / 2n })
  })

  it('lets three processes with headroom admit together no more than the room', async () => {
    run += 1
    const stores = [await openStore(), await openStore(), await openStore()]
    const { admittedUnits, fromHeadroom } = await spendUntilRefused(stores)
    expect(fromHeadroom).toBeGreaterThan(20)
    expect(admittedUnits).toBeLessThanOrEqual(roomUnits)
    // Grants shrink near the limit: the room is nearly all used, not stranded in headroom.
    expect(admittedUnits).toBeGreaterThanOrEqual((roomUnits * 8n) / 10n)
  })
})
