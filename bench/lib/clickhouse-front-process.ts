import { rm } from 'node:fs/promises'
import { startClickHouseHttpFront } from '../../test/helpers/clickhouse-http-front.js'
import { serveParent } from './child-process.js'

/*
 * A stand-in ClickHouse server in a process of its own: the tests' HTTP front over
 * chdb, so a collector can be given an http:// store, as in production, and its
 * memory measured without the engine's. Argument: the data directory, removed on close.
 */
const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('clickhouse-front-process needs a data directory argument')
const front = await startClickHouseHttpFront({ dataDir })
serveParent({
  ready: { url: front.url },
  handlers: {
    memory: () => ({ rssMiB: process.memoryUsage().rss / 2 ** 20, maxRssMiB: process.resourceUsage().maxRSS / 1024 }),
  },
  onClose: async () => {
    await front.close()
    await rm(dataDir, { recursive: true, force: true })
  },
})
