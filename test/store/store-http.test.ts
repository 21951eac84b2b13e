import { afterAll } from 'vitest'
import { startClickHouseHttpFront } from '../helpers/clickhouse-http-front.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { defineStoreSuite } from './store-suite.js'

const directory = makeTempDirectory('store-http')
afterAll(() => directory.remove())

defineStoreSuite('the ClickHouse HTTP interface (http://)', async () => {
  const front = await startClickHouseHttpFront({ dataDir: directory.path, user: 'switchyard', password: 'p4ss' })
  return { url: `${front.url}/otel`, close: () => front.close() }
})
