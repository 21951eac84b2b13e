import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('embedded-engine-merge-pool')

describe('the embedded engine inside a collector', () => {
  afterAll(() => directory.remove())

  it('runs at most two merges at once, without capping their size for a busy pool', async () => {
    const store = await createStore({ url: `chdb://${path.join(directory.path, 'store')}` })
    try {
      const result = await store.client.query({
        query: `SELECT name, value FROM system.server_settings
            WHERE name IN ('background_pool_size', 'background_merges_mutations_concurrency_ratio')
          UNION ALL SELECT name, value FROM system.merge_tree_settings
            WHERE name = 'number_of_free_entries_in_pool_to_lower_max_size_of_merge'`,
        format: 'JSONEachRow',
      })
      const settings = Object.fromEntries((await result.json<{ name: string; value: string }>()).map((row) => [row.name, row.value]))
      expect(settings).toEqual({
        background_pool_size: '2',
        background_merges_mutations_concurrency_ratio: '1',
        number_of_free_entries_in_pool_to_lower_max_size_of_merge: '0',
      })
    } finally {
      await store.close()
    }
  })
})
