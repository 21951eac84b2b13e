import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { startSpanRecorder, type SpanRecorder } from './span-recorder.js'

/**
 * The hooks every wrap test file shares: a span recorder and a loopback provider
 * server for the file, both reset before each test and stopped after the last.
 * `ready` gets them once started, to keep them and build the file's clients.
 */
export function useRecorderAndServer(ready: (started: { recorder: SpanRecorder; server: ProviderServer }) => void): void {
  let recorder: SpanRecorder | undefined
  let server: ProviderServer | undefined
  beforeAll(async () => {
    recorder = startSpanRecorder()
    server = await startProviderServer()
    ready({ recorder, server })
  })
  afterAll(async () => {
    await server?.close()
    await recorder?.shutdown()
  })
  beforeEach(() => {
    recorder?.reset()
    server?.reset()
  })
}
