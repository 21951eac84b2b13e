import { startChild, type ChildHandle } from './child-process.js'
import type { GatewayProcess } from './gateway-process.js'
import type { ProcessUsage } from './process-usage.js'

/**
 * The Portkey gateway (`@portkey-ai/gateway`) in its own process on 127.0.0.1 port 0
 * (bench/lib/portkey-process.ts). It routes each request by its headers: see
 * `portkeyHeaders`.
 */
export async function startPortkeyGateway(): Promise<GatewayProcess> {
  const child: ChildHandle<{ url: string; version: string }> = await startChild({
    script: 'bench/lib/portkey-process.ts',
    // Portkey's own flags: port 0 (the child pins the host to 127.0.0.1), no web UI.
    args: ['--port=0', '--headless'],
    readyTimeoutMs: 60_000,
  })
  return {
    url: child.ready.url,
    pid: child.pid,
    version: `@portkey-ai/gateway ${child.ready.version}`,
    usage: () => child.request<ProcessUsage>('usage'),
    close: () => child.close(10_000),
  }
}

/**
 * How a Portkey client names its provider without a Portkey account or config: the
 * `openai` provider with a custom host, which Portkey's own allow-list accepts for
 * 127.0.0.1. The client's Authorization header is forwarded as the provider key.
 */
export function portkeyHeaders(upstreamUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` }
}
