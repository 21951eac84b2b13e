import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { messageCaptureFixture } from './message-capture-fixture.js'

// The entry point reads the GenAI conventions' opt-in once; routers that leave the option out follow it.
const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer

const { routerFor, callSpan } = messageCaptureFixture({ exporter, server: () => server })

beforeAll(async () => {
  const previous = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true'
  try {
    telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  } finally {
    if (previous === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
    else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = previous
  }
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
  await telemetry.shutdown()
})

describe('message-content capture chosen by the entry point', () => {
  it('records content for a router that leaves the option out once startTelemetry() read OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, and a router\'s own false still wins', async () => {
    const following = routerFor(undefined)
    const quiet = routerFor(false)
    try {
      expect(String((await callSpan(following, 'opted in by the entry point')).attributes['gen_ai.input.messages'])).toContain('opted in by the entry point')
      expect((await callSpan(quiet, 'withheld by the router')).attributes['gen_ai.input.messages']).toBeUndefined()
    } finally {
      await following.close()
      await quiet.close()
    }
  })
})
