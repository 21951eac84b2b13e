import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { sharedBudgetKeys } from '../../../src/budget/shared/shared-budget-keys.js'
import type { SharedBudgetStore } from '../../../src/budget/shared/shared-budget-store.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { useSharedStores } from './shared-store-harness.js'

const calls = 200
const worstCaseUnits = 5_000_000n
const actualUnits = 2_000_000n

describeWithPart('redis-server', 'the shared store sends finished calls in bounded syncs', (part) => {
  const harness = useSharedStores(part)
  const openStore = (): Promise<SharedBudgetStore> => harness.open({ keyPrefix: 'chunks:' })

  it('hands over 200 calls finished at once as one sum, deleting their reservations in syncs of at most 48, and loses none', async () => {
    const owner = await openStore()
    const reader = await openStore()
    const answers = await Promise.all(Array.from({ length: calls }, (_call, index) =>
      owner.reserve({ id: index + 1, units: worstCaseUnits, budgets: [{ name: 'b', roomUnits: undefined, figureAtMs: 0 }] })))
    expect(answers.every((answer) => answer.admitted)).toBe(true)
    const connection = await harness.admin().connect()
    // Every admitted call has its own entry while in flight.
    expect(await connection.sendCommand(['HLEN', sharedBudgetKeys('chunks:', 'b')[0]!])).toBe(calls)
    await connection.sendCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '0'])
    await connection.sendCommand(['CONFIG', 'SET', 'slowlog-max-len', '10000'])
    await connection.sendCommand(['SLOWLOG', 'RESET'])
    for (let index = 0; index < calls; index += 1) owner.finish(index + 1, 'b', actualUnits)

    const deadline = Date.now() + 10_000
    let figure = (await reader.figures())[0]!
    while (figure.reservedUnits !== 0n && Date.now() < deadline) {
      await sleep(20)
      figure = (await reader.figures())[0]!
    }
    expect(figure.reservedUnits).toBe(0n)
    expect(figure.unconfirmedUnits).toBe(BigInt(calls) * actualUnits)
    // The 200 finished calls wait in Redis as one entry: this process's sum.
    expect(await connection.sendCommand(['HLEN', sharedBudgetKeys('chunks:', 'b')[0]!])).toBe(1)

    await connection.sendCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'])
    const log = await connection.sendCommand<Array<[number, number, number, string[]]>>(['SLOWLOG', 'GET', '10000'])
    // EVALSHA sha 4 <4 keys> <6 header> figureAtMs <n upserts> <3n> <m deletes> <m>: from argument 14 on.
    const syncs = log.map((entry) => entry[3]).filter((args) => args[0] === 'EVALSHA' && (args[7] === 'sync' || args[7] === 'update'))
    const carried = syncs.map((args) => {
      const upserts = Number(args[14])
      return { upserts, deletes: Number(args[15 + 3 * upserts]) }
    }).filter((sync) => sync.upserts + sync.deletes > 0)
    expect(carried.reduce((sum, sync) => sum + sync.deletes, 0)).toBeGreaterThanOrEqual(calls)
    expect(Math.max(...carried.map((sync) => sync.deletes))).toBeLessThanOrEqual(48)
    expect(Math.max(...carried.map((sync) => sync.upserts))).toBeLessThanOrEqual(1)
    expect(carried.length).toBeGreaterThanOrEqual(Math.ceil(calls / 48))
  })
})
