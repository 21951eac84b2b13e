import { serveParent } from './child-process.js'
import { startUpstreamServer, type UpstreamTiming } from './upstream-server.js'

/*
 * The upstream in a process of its own, so that on a small machine its work does
 * not share an event loop with the client being measured. Arguments: the number
 * of text chunks of a streamed answer.
 */
const streamChunks = Number(process.argv[2] ?? 32)
const server = await startUpstreamServer({ streamChunks, timing: { delayMs: 0, interEventMs: 0 } })
serveParent({
  ready: { url: server.url },
  handlers: {
    timing: (payload) => {
      server.setTiming(payload as UpstreamTiming)
      return true
    },
    counts: () => server.counts(),
  },
  onClose: () => server.close(),
})
