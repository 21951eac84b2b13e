import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer
let router: Router

beforeAll(async () => {
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  server = await startProviderServer()
  router = createRouter({
    providers: { openai: { type: 'openai', apiKey: 'sk-span-test-SECRET', baseURL: `${server.url}/v1` } },
    routes: { plan: { targets: [{ provider: 'openai', model: 'o4-mini' }], retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } },
  })
})
afterAll(async () => {
  await router.close()
  await server.close()
  await telemetry.shutdown()
})
beforeEach(() => {
  exporter.reset()
  server.reset()
})

describe('spans of a routed call inside a workflow and a step', () => {
  it('builds workflow → step → route → one CLIENT span per attempt, with every GenAI and switchyard attribute', async () => {
    server.reply({ status: 500, body: fixtureJson('openai/error-server.json') }, { body: fixtureJson('openai/chat-completion.json') })
    const result = await workflow('support-triage', { tags: { tenant: 'acme' } }, () =>
      step('plan', () => router.chat({ route: 'plan', messages: [{ role: 'user', content: 'hi' }], maxTokens: 300, temperature: 0.2, tags: { feature: 'triage' } })))
    expect(result.attempts).toHaveLength(2)

    const spans = exporter.getFinishedSpans()
    const byName = (name: string) => spans.filter((span) => span.name === name)
    const [root] = byName('invoke_workflow support-triage')
    const [stepSpan] = byName('step plan')
    const [routeSpan] = byName('route plan')
    const calls = byName('chat o4-mini')
    expect(calls).toHaveLength(2)
    expect(stepSpan!.parentSpanContext?.spanId).toBe(root!.spanContext().spanId)
    expect(routeSpan!.parentSpanContext?.spanId).toBe(stepSpan!.spanContext().spanId)
    for (const call of calls) {
      expect(call.kind).toBe(2)
      expect(call.parentSpanContext?.spanId).toBe(routeSpan!.spanContext().spanId)
      expect(call.spanContext().traceId).toBe(root!.spanContext().traceId)
    }
    const [failed, succeeded] = [...calls].sort((a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']))
    expect(failed!.attributes).toMatchObject({ 'switchyard.attempt': 1, 'error.type': 'server_error' })
    expect(failed!.status.code).toBe(2)
    expect(failed!.attributes['switchyard.cost.usd']).toBeUndefined()
    expect(succeeded!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.request.max_tokens': 300,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'o4-mini-2025-04-16',
      'gen_ai.response.id': 'chatcmpl-BzK8v2qTnQ4hXw7LmR3aP9sD1fGy',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1290,
      'gen_ai.usage.output_tokens': 212,
      'gen_ai.usage.cache_read.input_tokens': 1152,
      'gen_ai.usage.cache_write.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 192,
      'gen_ai.workflow.name': 'support-triage',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'switchyard.workflow.run_id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'switchyard.step': 'plan',
      'switchyard.route': 'plan',
      'switchyard.attempt': 2,
      'switchyard.cost.usd': '0.0014014',
      'switchyard.cost.source': 'catalog',
      'switchyard.price.version': expect.any(String),
      // The recorded answer says it was served by the default tier.
      'switchyard.service_tier': 'default',
      'switchyard.tag.tenant': 'acme',
      'switchyard.tag.feature': 'triage',
    })
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('sk-span-test-SECRET')
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('hi')
  })

  it('keeps working when the exporter throws', async () => {
    const broken = startTelemetry({
      exporter: new InMemorySpanExporter(),
      spanProcessors: [{
        onStart: () => { throw new Error('processor exploded') },
        onEnd: () => { throw new Error('processor exploded') },
        forceFlush: async () => {},
        shutdown: async () => {},
      }],
    })
    try {
      server.reply({ body: fixtureJson('openai/chat-completion.json') })
      const result = await router.chat({ route: 'plan', messages: [{ role: 'user', content: 'hi' }] })
      expect(result.text).toBe('The capital of France is Paris.')
    } finally {
      await broken.shutdown()
      telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
    }
  })
})
