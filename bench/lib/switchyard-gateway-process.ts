import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api'
import { loadConfig } from '../../src/config/load-config.js'
import { startGateway } from '../../src/gateway/start-gateway.js'
import { createStore } from '../../src/store/create-store.js'
import { repositoryRoot, serveParent } from './child-process.js'
import { processUsage } from './process-usage.js'

/*
 * `switchyard gateway` in a process of its own, as the CLI starts it: the config file
 * through loadConfig, then startGateway with its defaults (spans into the in-process
 * collector pipeline and the config's store, budgets reading that store). Argument:
 * the config file; its directory also takes the collector's queue.
 */
// What the gateway reports of its own troubles (a failed call's cause, dropped spans) goes to stderr.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN)
const configPath = process.argv[2]
if (configPath === undefined) throw new Error('usage: switchyard-gateway-process <config file>')
const config = await loadConfig(configPath)
const gateway = await startGateway({ config, configPath, queueDirectory: path.join(path.dirname(configPath), 'queue') })

const { version } = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).stdout.trim() || 'unknown'

/** When the gateway code this process runs was written: the build is of the working tree, which may be ahead of HEAD. */
function builtAt(): string {
  try {
    return statSync(fileURLToPath(new URL('../../src/gateway/start-gateway.js', import.meta.url))).mtime.toISOString()
  } catch {
    return 'source, through tsx'
  }
}
let stopped = false

/** Rows of `table` in the store, read after the gateway closed (it flushes its spans on close). */
async function countRows(table: string, where = ''): Promise<number> {
  const store = await createStore({ url: config.store })
  try {
    const result = await store.client.query({ query: `SELECT count() AS n FROM ${table} ${where}`, format: 'JSONEachRow' })
    return Number((await result.json<{ n: number | string }>())[0]?.n ?? 0)
  } finally {
    await store.close()
  }
}

serveParent({
  ready: { url: gateway.url, version: `switchyard ${version} (working tree compiled ${builtAt()}; HEAD ${commit} when run)` },
  handlers: {
    usage: () => processUsage(),
    /** Close the gateway (spans flushed into the store), then count what the store holds. */
    stopAndCount: async () => {
      await gateway.close()
      stopped = true
      return { modelCallSpans: await countRows('otel_traces', "WHERE SpanKind = 'Client'"), llmCalls: await countRows('llm_calls') }
    },
  },
  onClose: async () => {
    if (!stopped) await gateway.close()
  },
})
