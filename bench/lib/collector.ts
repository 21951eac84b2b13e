import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { CollectorOptions } from '../../src/collector/collector-options.js'
import { startChild, type ChildHandle } from './child-process.js'

export interface CollectorProcess {
  url: string
  pid: number
  request<T>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>
  close(): Promise<void>
}

/**
 * A collector on 127.0.0.1 port 0 in its own process, with a fresh store and queue
 * in a temporary directory that is removed when it closes. fsync is `always`
 * unless `options` says otherwise: the durable setting the targets are about.
 */
export async function startCollectorProcess(options: CollectorOptions = {}, execArgv: string[] = []): Promise<CollectorProcess> {
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'))
  const child: ChildHandle<{ url: string }> = await startChild({
    script: 'bench/lib/collector-process.ts',
    args: [JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      store: `chdb://${path.join(directory, 'store')}`,
      queueDirectory: path.join(directory, 'queue'),
      fsync: 'always',
      ...options,
      removeOnClose: directory,
    })],
    execArgv,
    readyTimeoutMs: 120_000,
  })
  return {
    url: child.ready.url,
    pid: child.pid,
    request: (type, payload, timeoutMs) => child.request(type, payload, timeoutMs),
    close: () => child.close(120_000),
  }
}
