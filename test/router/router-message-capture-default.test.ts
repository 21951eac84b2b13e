import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

// The entry point reads the GenAI conventions' opt-in once; routers that leave the option out follow it.
const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer

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
