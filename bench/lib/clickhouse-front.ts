import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startChild, type ChildHandle } from './child-process.js'

export interface ClickHouseFront {
  /** `http://user:pass@127.0.0.1:<port>`, a store URL for the `default` database. */
  url: string
  pid: number
  memory(): Promise<{ rssMiB: number; maxRssMiB: number }>
  close(): Promise<void>
}

/**
 * ClickHouse's HTTP interface, served from chdb in its own process with a fresh data
 * directory that is removed when it closes: a collector's http:// store, so the
 * collector's memory is its own and not the engine's.
 */
export async function startClickHouseFront(): Promise<ClickHouseFront> {
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-front-'))
  const child: ChildHandle<{ url: string }> = await startChild({
    script: 'bench/lib/clickhouse-front-process.ts',
    args: [directory],
    readyTimeoutMs: 120_000,
  })
  return {
    url: child.ready.url,
    pid: child.pid,
    memory: () => child.request('memory'),
    close: () => child.close(120_000),
  }
}
