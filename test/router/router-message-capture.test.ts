import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { messageCaptureFixture } from './message-capture-fixture.js'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer
let capturing: Router
let quiet: Router

const { routerFor, callSpan } = messageCaptureFixture({ exporter, server: () => server })

beforeAll(async () => {
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  server = await startProviderServer()
  capturing = routerFor(true)
  quiet = routerFor(false)
})
afterAll(async () => {
  await capturing.close()
  await quiet.close()
  await server.close()
  await telemetry.shutdown()
})

describe('message-content capture, set per router', () => {
  it('records the prompt and the answer for a router created with captureMessageContent, and not for another in the same process', async () => {
    const captured = await callSpan(capturing, 'captured prompt text')
    expect(String(captured.attributes['gen_ai.input.messages'])).toContain('captured prompt text')
    expect(captured.attributes['gen_ai.output.messages']).toBeDefined()

    const withheld = await callSpan(quiet, 'withheld prompt text')
    expect(withheld.attributes['gen_ai.input.messages']).toBeUndefined()
    expect(withheld.attributes['gen_ai.output.messages']).toBeUndefined()
    expect(JSON.stringify(withheld.attributes)).not.toContain('withheld prompt text')

    // The first router keeps its setting after the second one was created and used.
    const again = await callSpan(capturing, 'captured again')
    expect(String(again.attributes['gen_ai.input.messages'])).toContain('captured again')
  })

  it('is off when the option is left out, whatever the environment says after the entry point ran: only entry points read it', async () => {
    const previous = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true'
    const router = routerFor(undefined)
    try {
      const span = await callSpan(router, 'environment prompt text')
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined()
    } finally {
      if (previous === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
      else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = previous
      await router.close()
    }
  })
})
