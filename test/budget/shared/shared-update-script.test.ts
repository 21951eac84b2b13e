import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { RedisScriptClient } from '../../../src/budget/shared/redis-script-client.js'
import { sharedBudgetKeys } from '../../../src/budget/shared/shared-budget-keys.js'
import { describeWithPart } from '../../helpers/external-parts.js'
import { startRedisTestServer, type RedisTestServer } from './redis-test-server.js'

describeWithPart('redis-server', 'the budget script\'s update: changes between renewals keep their leases', (part) => {
  let server: RedisTestServer
  let client: RedisScriptClient
  let prefix = ''
  let run = 0

  beforeAll(async () => {
    server = await startRedisTestServer(part.executable)
    client = new RedisScriptClient({ url: server.url, commandTimeoutMs: 5_000 })
    await client.ready(5_000)
  })

  afterAll(async () => {
    await client?.close()
    await server?.stop()
  })

  beforeEach(() => {
    run += 1
    prefix = `update${run}:`
  })

  const leaseMs = 400
  const header = (op: string): string[] => [op, String(Date.now()), String(leaseMs), '1000', '120000', '600000']

  /** One upsert of `id` in budget `b` by `op` (sync or update); the 6 figures of the reply. */
  const upsert = (op: 'sync' | 'update', id: string, kind: 'r' | 'u', nano: number): Promise<number[]> =>
    client.run(sharedBudgetKeys(prefix, 'b'), [...header(op), '0', '1', id, kind, String(nano), '0', '0']) as Promise<number[]>

  const figures = (): Promise<number[]> => client.run(sharedBudgetKeys(prefix, 'b'), [...header('update'), '0', '0', '0', '0']) as Promise<number[]>

  const reserve = (id: string, nano: number): Promise<unknown> =>
    client.run(sharedBudgetKeys(prefix, 'b'), [...header('reserve'), '1', id, String(nano), '1', '1', '1000000', '0'])

  it('moves a call to unconfirmed without renewing its lease: it ends when the reserve\'s lease ends', async () => {
    const reservedAt = Date.now()
    await reserve('a', 900)
    await new Promise((resolve) => setTimeout(resolve, 250))
    const [shared, reserved, unconfirmed] = await upsert('update', 'a', 'u', 250)
    expect({ shared, reserved, unconfirmed }).toEqual({ shared: 250, reserved: 0, unconfirmed: 250 })
    // Its lease is still the reserve's (400 ms), not renewed by the update (it would end at 650 ms).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, reservedAt + 520 - Date.now())))
    const [after, , , , , expired] = await figures()
    expect({ after, expired }).toEqual({ after: 0, expired: 1 })
  })

  it('gives an entry it does not hold yet a lease, and a sync renews it', async () => {
    await upsert('update', 'new', 'u', 100)
    for (let round = 0; round < 4; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150))
      await upsert('sync', 'new', 'u', 100)
    }
    const [shared, , unconfirmed, , , expired] = await figures()
    expect({ shared, unconfirmed, expired }).toEqual({ shared: 100, unconfirmed: 100, expired: 0 })
  })
})
