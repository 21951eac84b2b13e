import { mkdtempSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { benchModel } from './bench-request.js'
import { startChild, type ChildHandle } from './child-process.js'
import type { GatewayProcess } from './gateway-process.js'
import type { ProcessUsage } from './process-usage.js'

/** The route the benchmark's config defines: one target, the upstream's model. */
export const switchyardGatewayModel = 'bench'

/** Workflow, step and a tag, as an agent in another language would send them: every span carries them. */
export const switchyardGatewayHeaders: Record<string, string> = {
  'x-switchyard-workflow': 'bench',
  'x-switchyard-step': 'answer',
  'x-switchyard-tag-tenant': 'acme',
}

/**
 * The config file a user would write for this: one OpenAI-format provider (the
 * upstream), one route, one budget over everything with a limit no run reaches (so
 * each call is priced, reserved and settled, never refused), the embedded store in
 * `directory`, and the gateway on 127.0.0.1 port 0 with no keys (loopback only).
 */
function benchGatewayConfig(upstreamUrl: string, directory: string): Record<string, unknown> {
  return {
    providers: { upstream: { type: 'openai', baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key' } },
    routes: { [switchyardGatewayModel]: { targets: [{ provider: 'upstream', model: benchModel }] } },
    budgets: [{ name: 'everything-30d', window: '30d', limitUsd: 1_000_000 }],
    store: `chdb://${path.join(directory, 'store')}`,
    gateway: { host: '127.0.0.1', port: 0 },
  }
}

/**
 * `switchyard gateway` in its own process (bench/lib/switchyard-gateway-process.ts),
 * started from a config file in a fresh temporary directory that also holds its
 * store; the directory is removed when it closes.
 */
export interface SwitchyardGatewayProcess extends GatewayProcess {
  /** Close the gateway (it flushes its spans) and count the store's model-call spans and llm_calls rows. */
  stopAndCount(): Promise<{ modelCallSpans: number; llmCalls: number }>
}

export async function startSwitchyardGateway(options: { upstreamUrl: string }): Promise<SwitchyardGatewayProcess> {
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-gateway-'))
  const configFile = path.join(directory, 'switchyard.config.json')
  writeFileSync(configFile, `${JSON.stringify(benchGatewayConfig(options.upstreamUrl, directory), null, 2)}\n`)
  let child: ChildHandle<{ url: string; version: string }>
  try {
    child = await startChild({ script: 'bench/lib/switchyard-gateway-process.ts', args: [configFile], readyTimeoutMs: 120_000 })
  } catch (error) {
    await rm(directory, { recursive: true, force: true })
    throw error
  }
  return {
    url: child.ready.url,
    pid: child.pid,
    version: child.ready.version,
    usage: () => child.request<ProcessUsage>('usage'),
    stopAndCount: () => child.request('stopAndCount', undefined, 120_000),
    async close() {
      await child.close(60_000)
      await rm(directory, { recursive: true, force: true })
    },
  }
}
