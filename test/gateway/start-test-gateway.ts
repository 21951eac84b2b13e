import path from 'node:path'
import { parseSwitchyardConfig, type SwitchyardConfig } from '../../src/config/switchyard-config.js'
import { startGateway, type Gateway, type StartGatewayOptions } from '../../src/gateway/start-gateway.js'

/** The upstream provider's key in test configs: it must never reach a client, a span or the store. */
export const upstreamKey = 'sk-upstream-secret-0123456789abcdef'

/** A config whose provider `up` (OpenAI format) is the loopback server at `upstreamUrl`, with routes `fast` and `smart`. */
export function testConfig(upstreamUrl: string, more: Record<string, unknown> = {}): SwitchyardConfig {
  return parseSwitchyardConfig({
    providers: { up: { type: 'openai', apiKey: upstreamKey, baseURL: `${upstreamUrl}/v1` } },
    routes: {
      fast: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } },
      smart: { targets: [{ provider: 'up', model: 'gpt-4o' }], retry: { attempts: 1 } },
    },
    ...more,
  })
}

/**
 * A gateway on 127.0.0.1 port 0 whose store and queue live under `directory`, exporting
 * spans quickly (50 ms) so tests can read them back from the store.
 */
export function startTestGateway(directory: string, options: Omit<StartGatewayOptions, 'host' | 'port'> & { port?: number }): Promise<Gateway> {
  return startGateway({
    host: '127.0.0.1',
    port: 0,
    store: `chdb://${path.join(directory, 'store')}`,
    queueDirectory: path.join(directory, 'queue'),
    collector: { batchIntervalMs: 50, fsync: 'never' },
    telemetry: { scheduledDelayMillis: 50 },
    ...options,
  })
}
