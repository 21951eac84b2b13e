import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { RedisScriptClient } from '../../../src/budget/shared/redis-script-client.js'
import { sharedBudgetKeys } from '../../../src/budget/shared/shared-budget-keys.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

describeWithPart('redis-server', 'the shared budget script on a real redis-server', (part) => {
  let server: RedisTestServer
  let client: RedisScriptClient
  let prefix = ''
  let run = 0

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    client = new RedisScriptClient({ url: server.url, commandTimeoutMs: 5_000 })
    await client.connect()
    await untilReady(client)
  })

  afterAll(async () => {
    await client.close()
    await server.stop()
  })

  beforeEach(() => {
    run += 1
    prefix = `test${run}:`
  })

  interface Limits { leaseMs?: number; maxEntries?: number; seenRetentionMs?: number; nowMs?: number }

  const header = (op: string, limits: Limits = {}): string[] =>
    [op, String(limits.nowMs ?? Date.now()), String(limits.leaseMs ?? 60_000), String(limits.maxEntries ?? 1_000), String(limits.seenRetentionMs ?? 120_000), '600000']

  const keys = (...names: string[]): string[] => names.flatMap((name) => sharedBudgetKeys(prefix, name))

  interface ReserveCall { id: string; nano: number; budgets: Array<[string, number, number?]> }

  /** One batch of calls; the answer of each as [admitted, position of the budget without room, its figure]. */
  const reserveBatch = async (calls: ReserveCall[], limits?: Limits): Promise<{ answers: number[][]; figures: number[] }> => {
    const names = [...new Set(calls.flatMap((call) => call.budgets.map(([name]) => name)))]
    const reply = await client.run(keys(...names), [
      ...header('reserve', limits), String(calls.length),
      ...calls.flatMap((call) => [call.id, String(call.nano), String(call.budgets.length),
        ...call.budgets.flatMap(([name, room, figureAtMs]) => [String(names.indexOf(name) + 1), String(room), String(figureAtMs ?? 0)])]),
    ]) as number[]
    return { answers: calls.map((_call, index) => reply.slice(index * 3, index * 3 + 3)), figures: reply.slice(calls.length * 3) }
  }

  /** One call alone: [1, ...figures after] when admitted, [0, position, figure] when refused. */
  const reserve = async (options: ReserveCall & { limits?: Limits }): Promise<number[]> => {
    const { answers, figures } = await reserveBatch([options], options.limits)
    const [admitted, position, figure] = answers[0]!
    return admitted === 1 ? [1, ...figures] : [0, position!, figure!]
  }

  interface SyncBudget { name: string; figureAtMs?: number; upserts?: Array<[string, 'r' | 'u', number]>; deletes?: string[]; seen?: Array<[string, number]> }

  const sync = (budgets: SyncBudget[], limits?: Limits): Promise<number[]> =>
    client.run(keys(...budgets.map((budget) => budget.name)), [
      ...header('sync', limits),
      ...budgets.flatMap((budget) => [
        String(budget.figureAtMs ?? 0),
        String(budget.upserts?.length ?? 0), ...(budget.upserts ?? []).flatMap(([id, kind, nano]) => [id, kind, String(nano)]),
        String(budget.deletes?.length ?? 0), ...(budget.deletes ?? []),
        String(budget.seen?.length ?? 0), ...(budget.seen ?? []).flatMap(([id, at]) => [id, String(at)]),
      ]),
    ], ) as Promise<number[]>

  it('admits a call that fits the room exactly and refuses one nano-USD more', async () => {
    expect(await reserve({ id: 'a', nano: 600, budgets: [['b', 1_000]] })).toEqual([1, 600])
    expect(await reserve({ id: 'b', nano: 400, budgets: [['b', 1_000]] })).toEqual([1, 1_000])
    expect(await reserve({ id: 'c', nano: 1, budgets: [['b', 1_000]] })).toEqual([0, 1, 1_000])
    const [shared, reserved, unconfirmed] = await sync([{ name: 'b' }])
    expect([shared, reserved, unconfirmed]).toEqual([1_000, 1_000, 0])
  })

  it('reserves in every budget of a call or in none', async () => {
    expect(await reserve({ id: 'a', nano: 500, budgets: [['small', 600], ['large', 10_000]] })).toEqual([1, 500, 500])
    expect(await reserve({ id: 'b', nano: 200, budgets: [['large', 10_000], ['small', 600]] })).toEqual([0, 2, 500])
    const reply = await sync([{ name: 'small' }, { name: 'large' }])
    expect(reply[1]).toBe(500)
    expect(reply[7]).toBe(500)
  })

  it('admits the calls of one batch in order, each against the room the earlier ones left', async () => {
    const { answers, figures } = await reserveBatch([
      { id: 'a', nano: 600, budgets: [['b', 1_000]] },
      { id: 'b', nano: 500, budgets: [['b', 1_000]] },
      { id: 'c', nano: 400, budgets: [['b', 1_000], ['other', 10_000]] },
      { id: 'd', nano: 1, budgets: [['other', 10_000], ['b', 1_000]] },
    ])
    expect(answers).toEqual([[1, 0, 0], [0, 1, 600], [1, 0, 0], [0, 2, 1_000]])
    expect(figures).toEqual([1_000, 400])
    const [shared, reserved] = await sync([{ name: 'b' }])
    expect({ shared, reserved }).toEqual({ shared: 1_000, reserved: 1_000 })
  })

  it('counts without limit for a budget that never blocks (room -1)', async () => {
    expect(await reserve({ id: 'a', nano: 10 ** 12, budgets: [['open', -1]] })).toEqual([1, 10 ** 12])
  })

  it('frees a reservation whose lease runs out, counting it as expired, and keeps one that is renewed', async () => {
    await reserve({ id: 'lapsing', nano: 700, budgets: [['b', 1_000]], limits: { leaseMs: 300 } })
    await reserve({ id: 'renewed', nano: 300, budgets: [['b', 1_000]], limits: { leaseMs: 300 } })
    for (let round = 0; round < 4; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150))
      await sync([{ name: 'b', upserts: [['renewed', 'r', 300]] }], { leaseMs: 300 })
    }
    const [shared, reserved, , , dropped, expired] = await sync([{ name: 'b' }])
    expect({ shared, reserved, dropped, expired }).toEqual({ shared: 300, reserved: 300, dropped: 0, expired: 1 })
    expect(await reserve({ id: 'next', nano: 700, budgets: [['b', 1_000]] })).toEqual([1, 1_000])
  })

  it('moves a finished call from reserved to unconfirmed at its real cost', async () => {
    await reserve({ id: 'a', nano: 900, budgets: [['b', 1_000]] })
    const [shared, reserved, unconfirmed] = await sync([{ name: 'b', upserts: [['a', 'u', 250]] }])
    expect({ shared, reserved, unconfirmed }).toEqual({ shared: 250, reserved: 0, unconfirmed: 250 })
    expect(await reserve({ id: 'b', nano: 750, budgets: [['b', 1_000]] })).toEqual([1, 1_000])
  })

  it('stops counting a seen call for figures read after the scan that saw it, but not for older ones', async () => {
    await reserve({ id: 'a', nano: 400, budgets: [['b', 1_000]] })
    await sync([{ name: 'b', upserts: [['a', 'u', 400]] }])
    const seenAtMs = Date.now()
    const [afterSeen, reserved, unconfirmed, seenEntries] = await sync([{ name: 'b', figureAtMs: seenAtMs + 1, seen: [['a', seenAtMs]] }])
    expect({ afterSeen, reserved, unconfirmed, seenEntries }).toEqual({ afterSeen: 0, reserved: 0, unconfirmed: 0, seenEntries: 1 })
    const [olderFigure] = await sync([{ name: 'b', figureAtMs: seenAtMs - 5_000 }])
    expect(olderFigure).toBe(400)
    // A process whose figure predates the scan still has only 600 of room.
    expect(await reserve({ id: 'c', nano: 601, budgets: [['b', 1_000, seenAtMs - 5_000]] })).toEqual([0, 1, 400])
    expect(await reserve({ id: 'd', nano: 601, budgets: [['b', 1_000, seenAtMs + 1]] })).toEqual([1, 601])
  })

  it('removes seen calls once they are older than the retention', async () => {
    await sync([{ name: 'b', upserts: [['a', 'u', 400]] }])
    const seenAtMs = Date.now() - 10_000
    await sync([{ name: 'b', seen: [['a', seenAtMs]] }])
    const [shared, , , seenEntries] = await sync([{ name: 'b', figureAtMs: 0 }], { seenRetentionMs: 5_000 })
    expect({ shared, seenEntries }).toEqual({ shared: 0, seenEntries: 0 })
  })

  it('deletes a released reservation, and a delete of an unknown id changes nothing', async () => {
    await reserve({ id: 'a', nano: 400, budgets: [['b', 1_000]] })
    const [shared, reserved] = await sync([{ name: 'b', deletes: ['a', 'never-there'] }])
    expect({ shared, reserved }).toEqual({ shared: 0, reserved: 0 })
  })

  it('caps the entries of a budget: the oldest goes first and is counted as dropped', async () => {
    const limits = { maxEntries: 3 }
    for (const id of ['a', 'b', 'c']) await sync([{ name: 'b', upserts: [[id, 'u', 100]] }], limits)
    expect(await reserve({ id: 'd', nano: 100, budgets: [['b', 10_000]], limits })).toEqual([1, 400])
    const [shared, , unconfirmed, , dropped] = await sync([{ name: 'b' }], limits)
    expect({ shared, unconfirmed, dropped }).toEqual({ shared: 300, unconfirmed: 200, dropped: 1 })
  })

  it('never drops a process\'s sum of finished calls or its headroom at the cap: they stand for many calls', async () => {
    const limits = { maxEntries: 3 }
    // The sum and the grant are written first, so their leases end first.
    await sync([{ name: 'b', upserts: [['p1:u', 'u', 1_000], ['p1:grant', 'r', 500]] }], limits)
    for (const id of ['a', 'b', 'c']) await sync([{ name: 'b', upserts: [[id, 'u', 10]] }], limits)
    const [shared, reserved, unconfirmed, , dropped] = await sync([{ name: 'b' }], limits)
    expect({ shared, reserved, unconfirmed, dropped }).toEqual({ shared: 1_510, reserved: 500, unconfirmed: 1_010, dropped: 2 })
  })

  it('loads the script again when Redis has forgotten it (NOSCRIPT)', async () => {
    const raw = await client.connect()
    await raw.sendCommand(['SCRIPT', 'FLUSH'])
    expect(await reserve({ id: 'a', nano: 1, budgets: [['b', 10]] })).toEqual([1, 1])
  })

  it('keeps amounts exact up to millions of USD in nano-USD', async () => {
    const nano = 2_000_000 * 1_000_000_000 + 7
    expect(await reserve({ id: 'a', nano, budgets: [['b', nano]] })).toEqual([1, nano])
    expect(await reserve({ id: 'b', nano: 1, budgets: [['b', nano]] })).toEqual([0, 1, nano])
  })

  interface GrantLine { name: string; id?: string; room: number; target: number; floor?: number; figureAtMs?: number }

  /** One `grant`: per budget what Redis holds for the process's headroom afterwards. */
  const grant = (lines: GrantLine[], limits?: Limits): Promise<number[]> =>
    client.run(keys(...lines.map((line) => line.name)), [
      ...header('grant', limits),
      ...lines.flatMap((line) => [line.id ?? 'p1:grant', String(line.room), String(line.figureAtMs ?? 0), String(line.target), String(line.floor ?? 0)]),
    ]) as Promise<number[]>

  it('grants headroom of at most half of what the budget has left, and counts it as reserved', async () => {
    await reserve({ id: 'a', nano: 200, budgets: [['b', 1_000]] })
    // 800 left: half of it at most, whatever the target.
    expect(await grant([{ name: 'b', room: 1_000, target: 700 }])).toEqual([400])
    const [shared, reserved] = await sync([{ name: 'b' }])
    expect({ shared, reserved }).toEqual({ shared: 600, reserved: 600 })
    // Another process's call must fit what is left after the grant.
    expect(await reserve({ id: 'b', nano: 401, budgets: [['b', 1_000]] })).toEqual([0, 1, 600])
    expect(await reserve({ id: 'c', nano: 400, budgets: [['b', 1_000]] })).toEqual([1, 1_000])
    // No room left: the grant stays where it is, and a second process gets nothing.
    expect(await grant([{ name: 'b', room: 1_000, target: 900 }])).toEqual([400])
    expect(await grant([{ name: 'b', id: 'p2:grant', room: 1_000, target: 100 }])).toEqual([0])
  })

  it('grows a grant step by step, never past the room, and gives the target at once without a limit', async () => {
    expect(await grant([{ name: 'b', room: 1_000, target: 1_000 }])).toEqual([500])
    expect(await grant([{ name: 'b', room: 1_000, target: 1_000 }])).toEqual([750])
    expect(await grant([{ name: 'b', room: 1_000, target: 1_000 }])).toEqual([875])
    expect(await grant([{ name: 'open', room: -1, target: 10 ** 12 }])).toEqual([10 ** 12])
  })

  it('shrinks a grant to its target but never below what the process uses of it, and removes it at 0', async () => {
    expect(await grant([{ name: 'b', room: 10_000, target: 1_000 }])).toEqual([1_000])
    expect(await grant([{ name: 'b', room: 10_000, target: 100, floor: 300 }])).toEqual([300])
    // The floor is held even when the budget has no room: those calls were admitted already.
    await reserve({ id: 'a', nano: 9_700, budgets: [['b', 10_000]] })
    expect(await grant([{ name: 'b', room: 10_000, target: 0, floor: 350 }])).toEqual([350])
    expect(await grant([{ name: 'b', room: 10_000, target: 0 }])).toEqual([0])
    const [shared, reserved] = await sync([{ name: 'b' }])
    expect({ shared, reserved }).toEqual({ shared: 9_700, reserved: 9_700 })
  })

  it('frees the grant of a process that stops renewing it when its lease runs out', async () => {
    expect(await grant([{ name: 'b', room: 1_000, target: 400 }], { leaseMs: 200 })).toEqual([400])
    await new Promise((resolve) => setTimeout(resolve, 300))
    const [shared, reserved, , , , expired] = await sync([{ name: 'b' }])
    expect({ shared, reserved, expired }).toEqual({ shared: 0, reserved: 0, expired: 1 })
  })

  it('answers an unknown operation with the script error, not as an outage', async () => {
    await expect(client.run(keys('b'), header('bogus'))).rejects.toThrow(/unknown op bogus/)
  })
})

async function untilReady(client: RedisScriptClient): Promise<void> {
  const connection = await client.connect()
  for (let attempt = 0; attempt < 100 && !connection.isReady; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20))
}
