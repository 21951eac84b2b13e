import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isUnsupportedRequestError } from '../../src/providers/unsupported-request-error.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let server: ProviderServer
let router: Router | undefined

beforeAll(async () => {
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
  await telemetry.shutdown()
})
afterEach(async () => {
  await router?.close()
  router = undefined
  server.reset()
  exporter.reset()
})

const schemaFormat = { type: 'json_schema' as const, name: 'city_facts', schema: { type: 'object', properties: { city: { type: 'string' } } } }
const messages = [{ role: 'user' as const, content: 'Paris facts' }]

function routerWith(targets: { provider: string; model: string }[]): Router {
  return createRouter({
    providers: {
      deepseek: { type: 'openai-compatible', preset: 'deepseek', baseURL: `${server.url}/deepseek`, apiKey: 'sk-ds-SECRET' },
      openai: { type: 'openai', apiKey: 'sk-test-SECRET', baseURL: `${server.url}/v1` },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-SECRET', baseURL: server.url },
      gemini: { type: 'gemini', apiKey: 'AIza-SECRET', baseURL: server.url },
    },
    routes: { structured: { targets } },
  })
}

describe('a request a target cannot serve', () => {
  it('skips that target before any call, with the field and why, and falls back to one that can', async () => {
    router = routerWith([{ provider: 'deepseek', model: 'deepseek-chat' }, { provider: 'openai', model: 'gpt-5-mini' }])
    server.reply({ body: fixtureJson('openai/chat-completion-json-schema.json') })
    const result = await router.chat({ route: 'structured', messages, responseFormat: schemaFormat })
    expect(server.requests.map((request) => request.url)).toEqual(['/v1/chat/completions'])
    expect(result.provider).toBe('openai')
    expect(JSON.parse(result.text)).toEqual({ city: 'Paris', population: 2102650 })
    expect(result.attempts).toHaveLength(1)
    const routeSpan = exporter.getFinishedSpans().find((span) => span.name === 'route structured')
    expect(routeSpan?.attributes['switchyard.route.skipped']).toEqual([
      "deepseek/deepseek-chat:unsupported-request:cannot serve responseFormat: DeepSeek's response_format takes json_object only, no schema",
    ])
    expect(exporter.getFinishedSpans().filter((span) => span.name.startsWith('chat '))).toHaveLength(1)
  })

  it('is refused with the field and every target named when no target of the route can serve it, and nothing is sent', async () => {
    router = routerWith([{ provider: 'deepseek', model: 'deepseek-chat' }, { provider: 'gemini', model: 'gemini-2.5-flash' }])
    const error = await rejection(router.chat({ route: 'structured', messages, responseFormat: schemaFormat, parallelToolCalls: false }))
    if (!isUnsupportedRequestError(error)) throw new Error(`expected an UnsupportedRequestError, got ${String(error)}`)
    expect(error.code).toBe('unsupported_request')
    expect(error.field).toBe('responseFormat, parallelToolCalls')
    expect(error.target).toBe('deepseek/deepseek-chat, gemini/gemini-2.5-flash')
    expect(error.message).toContain('json_object only')
    expect(error.message).toContain('Gemini has no switch')
    expect(error.message).not.toContain('SECRET')
    const streamed = await rejection((async () => {
      for await (const _chunk of router!.stream({ model: 'anthropic/claude-sonnet-4-5', messages, responseFormat: { type: 'json_object' } })) break
    })())
    expect(isUnsupportedRequestError(streamed) && streamed.target).toBe('anthropic/claude-sonnet-4-5')
    expect(server.requests).toHaveLength(0)
  })

  it('refuses providerOptions out of bounds once, before any call', async () => {
    router = routerWith([{ provider: 'openai', model: 'gpt-5-mini' }, { provider: 'anthropic', model: 'claude-sonnet-4-5' }])
    const error = await rejection(router.chat({ route: 'structured', messages, providerOptions: { anthropic: { model: 'claude-opus-4-5' } } }))
    expect(error).toMatchObject({ code: 'request_invalid', providerType: 'anthropic' })
    expect(server.requests).toHaveLength(0)
  })

  it('gives back the assistant message with its reasoning blocks and signature, ready for the next turn', async () => {
    router = routerWith([{ provider: 'anthropic', model: 'claude-sonnet-4-5' }, { provider: 'gemini', model: 'gemini-3-pro-preview' }])
    server.reply({ body: fixtureJson('anthropic/message-thinking-tool-use.json') })
    const first = await router.chat({ route: 'structured', messages, reasoning: { effort: 'low' } })
    expect(first.message.reasoning?.map((block) => block.type)).toEqual(['thinking', 'redacted_thinking'])
    await router.close()
    router = routerWith([{ provider: 'gemini', model: 'gemini-3-pro-preview' }])
    server.reply({ body: fixtureJson('gemini/generate-content-json.json') })
    const gemini = await router.chat({ route: 'structured', messages, responseFormat: schemaFormat })
    expect(gemini.message).toEqual({
      role: 'assistant',
      content: '{"city": "Paris", "population": 2102650}',
      toolCalls: [],
      thoughtSignature: 'CiQBcsjafJ2Vh3xQm8Lr5Tn7Wp1Kd4Hs9Bv6Ny3Mx0Qa2Pe5Lu',
    })
  })
})
