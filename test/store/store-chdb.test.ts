import { afterAll } from 'vitest'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { defineStoreSuite } from './store-suite.js'

const directory = makeTempDirectory('store-chdb')
afterAll(() => directory.remove())

defineStoreSuite('the embedded engine (chdb://)', async () => ({
  url: `chdb://${directory.path}`,
  close: async () => {},
}))
