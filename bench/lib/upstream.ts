import { startChild, type ChildHandle } from './child-process.js'
import type { UpstreamTiming } from './upstream-server.js'

export interface Upstream {
  /** `http://127.0.0.1:<port>`; the OpenAI base URL is `${url}/v1`. */
  url: string
  setTiming(timing: UpstreamTiming): Promise<void>
  counts(): Promise<{ chat: number; stream: number; traces: number; traceBytes: number }>
  close(): Promise<void>
}

/** Start the loopback OpenAI-format upstream in its own process. */
export async function startUpstream(options: { streamChunks: number }): Promise<Upstream> {
  const child: ChildHandle<{ url: string }> = await startChild({ script: 'bench/lib/upstream-process.ts', args: [String(options.streamChunks)] })
  return {
    url: child.ready.url,
    setTiming: async (timing) => {
      await child.request('timing', timing)
    },
    counts: () => child.request('counts'),
    close: () => child.close(),
  }
}
