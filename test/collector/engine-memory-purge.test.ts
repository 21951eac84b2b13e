import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineMemoryPurge } from '../../src/collector/engine-memory-purge.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('engine-memory-purge')
let store: Store

/** The embedded engine's allocator: bytes allocated and resident, in MiB. */
async function allocator(): Promise<{ allocatedMiB: number; residentMiB: number }> {
  const result = await store.client.query({ query: 'SELECT stats FROM system.jemalloc_stats', format: 'JSONEachRow' })
  const stats = (await result.json<{ stats: string }>())[0]?.stats ?? ''
  const match = /Allocated: (\d+), active: \d+, metadata: \d+.*?resident: (\d+)/.exec(stats)
  if (match === null) throw new Error('no jemalloc summary in system.jemalloc_stats')
  return { allocatedMiB: Number(match[1]) / 2 ** 20, residentMiB: Number(match[2]) / 2 ** 20 }
}

beforeAll(async () => {
  store = await createStore({ url: `chdb://${path.join(directory.path, 'store')}` })
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

describe('EngineMemoryPurge', () => {
  it('gives the embedded engine\'s freed pages back after a batch, at most once a second', async () => {
    // A query that allocates and frees a few hundred MiB inside the engine.
    await (await store.client.query({ query: 'SELECT count() FROM (SELECT toString(number) AS key, groupArray(number) FROM numbers(3000000) GROUP BY key)', format: 'JSONEachRow' })).json()
    const before = await allocator()
    expect(before.residentMiB - before.allocatedMiB).toBeGreaterThan(50)
    const purge = new EngineMemoryPurge(store)
    await purge.afterBatch(10_000)
    const after = await allocator()
    expect(purge.purges).toBe(1)
    expect(after.residentMiB).toBeLessThan(before.residentMiB - 50)
    await purge.afterBatch(10_500)
    expect(purge.purges).toBe(1)
    await purge.afterBatch(11_000)
    expect(purge.purges).toBe(2)
  })

  it('owes the purge of a batch written within the second, and makes it once the second is over', async () => {
    const purge = new EngineMemoryPurge(store)
    expect(purge.dueInMs(20_000)).toBeUndefined()
    await purge.afterBatch(20_000)
    expect(purge.purges).toBe(1)
    expect(purge.dueInMs(20_100)).toBeUndefined()
    await purge.afterBatch(20_300)
    expect(purge.purges).toBe(1)
    expect(purge.dueInMs(20_400)).toBe(600)
    await purge.purgeOwed(20_400)
    expect(purge.purges).toBe(1)
    await (await store.client.query({ query: 'SELECT count() FROM (SELECT toString(number) AS key, groupArray(number) FROM numbers(3000000) GROUP BY key)', format: 'JSONEachRow' })).json()
    const before = await allocator()
    await purge.purgeOwed(21_000)
    expect(purge.purges).toBe(2)
    expect((await allocator()).residentMiB).toBeLessThan(before.residentMiB - 50)
    // Paid: nothing is owed until another batch comes within the second.
    expect(purge.dueInMs(21_100)).toBeUndefined()
    await purge.purgeOwed(22_500)
    expect(purge.purges).toBe(2)
  })

  it('tries again after a purge that failed for a passing reason, and stops only when the engine cannot purge', async () => {
    let failWith: string | undefined = 'Timeout error.'
    const client = Object.create(store.client) as Store['client']
    client.command = (async (params: Parameters<Store['client']['command']>[0]) => {
      if (failWith !== undefined) throw new Error(failWith)
      return store.client.command(params)
    }) as Store['client']['command']
    const purge = new EngineMemoryPurge({ ...store, client } as Store)
    await purge.afterBatch(30_000)
    expect(purge.purges).toBe(0)
    failWith = undefined
    await purge.afterBatch(31_000)
    expect(purge.purges).toBe(1)
    failWith = 'Code: 344. DB::Exception: jemalloc is not used. (SUPPORT_IS_DISABLED)'
    await purge.afterBatch(32_000)
    failWith = undefined
    await purge.afterBatch(33_000)
    expect(purge.purges).toBe(1)
  })

  it('leaves a store over HTTP alone', async () => {
    // Never contacted: 127.0.0.1 port 9 (discard) would refuse the connection.
    const remote = await createStore({ url: 'http://127.0.0.1:9/otel' })
    try {
      const purge = new EngineMemoryPurge(remote)
      await purge.afterBatch(10_000)
      await purge.afterBatch(10_100)
      expect(purge.dueInMs(10_200)).toBeUndefined()
      expect(purge.purges).toBe(0)
    } finally {
      await remote.close()
    }
  })
})
