import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer
let capturing: Router
let quiet: Router

function routerFor(captureMessageContent: boolean | undefined): Router {
  return createRouter({
    providers: { openai: { type: 'openai', apiKey: 'sk-capture-test', baseURL: `${server.url}/v1` } },
    routes: { plan: { targets: [{ provider: 'openai', model: 'o4-mini' }] } },
    ...(captureMessageContent === undefined ? {} : { captureMessageContent }),
  })
}

async function callSpan(router: Router, prompt: string): Promise<ReadableSpan> {
  exporter.reset()
  server.reply({ body: fixtureJson('openai/chat-completion.json') })
  await router.chat({ route: 'plan', messages: [{ role: 'user', content: prompt }] })
  const calls = exporter.getFinishedSpans().filter((span) => span.name === 'chat o4-mini')
  expect(calls).toHaveLength(1)
  return calls[0]!
}

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
