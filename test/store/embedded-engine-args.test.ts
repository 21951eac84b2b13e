import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/create-store.js'
import { EMBEDDED_ENGINE_CONFIG_FILE } from '../../src/store/embedded-engine-args.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('embedded-engine')
const configFile = path.join(directory.path, EMBEDDED_ENGINE_CONFIG_FILE)

async function mergeTreeSetting(store: Store, name: string): Promise<string | undefined> {
  const result = await store.client.query({
    query: 'SELECT value FROM system.merge_tree_settings WHERE name = {name:String}',
    query_params: { name },
    format: 'JSONEachRow',
  })
  return (await result.json<{ value: string }>())[0]?.value
}

describe('the embedded engine', () => {
  afterAll(() => directory.remove())

  it('merges MergeTree parts column by column from the first row, not from 131,072', async () => {
    const store = await createStore({ url: `chdb://${directory.path}` })
    try {
      expect(await mergeTreeSetting(store, 'vertical_merge_algorithm_min_rows_to_activate')).toBe('1')
      expect(readFileSync(configFile, 'utf8')).toContain('<vertical_merge_algorithm_min_rows_to_activate>1<')
    } finally {
      await store.close()
    }
  })

  it('rewrites its configuration file at every open, whatever was left in the data directory', async () => {
    writeFileSync(configFile, '<clickhouse><merge_tree><vertical_merge_algorithm_min_rows_to_activate>5</vertical_merge_algorithm_min_rows_to_activate></merge_tree></clickhouse>')
    const store = await createStore({ url: `chdb://${directory.path}` })
    try {
      expect(await mergeTreeSetting(store, 'vertical_merge_algorithm_min_rows_to_activate')).toBe('1')
    } finally {
      await store.close()
    }
  })
})
