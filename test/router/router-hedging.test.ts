import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let slow: ProviderServer
let fast: ProviderServer

beforeAll(async () => {
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  slow = await startProviderServer()
  fast = await startProviderServer()
})
afterAll(async () => {
  await slow.close()
  await fast.close()
  await telemetry.shutdown()
})

const messages = [{ role: 'user' as const, content: 'quick answer please' }]

describe('hedging and first-token timeouts', () => {
  it('sends a hedge after the delay, takes the first answer, cancels the other, and spans both', async () => {
    exporter.reset()
    const router = createRouter({
      providers: {
        slow: { type: 'openai', apiKey: 'sk-a', baseURL: `${slow.url}/v1` },
        fast: { type: 'openai', apiKey: 'sk-b', baseURL: `${fast.url}/v1` },
      },
      routes: { snappy: { targets: [{ provider: 'slow', model: 'o4-mini' }, { provider: 'fast', model: 'o4-mini' }], hedge: { enabled: true, delayMs: 100 } } },
    })
    slow.reply({ body: fixtureJson('openai/chat-completion.json'), delayMs: 2_000 })
    fast.reply({ body: fixtureJson('openai/chat-completion.json') })
    const started = Date.now()
    const result = await router.chat({ route: 'snappy', messages })
    expect(Date.now() - started).toBeLessThan(1_500)
    expect(result.provider).toBe('fast')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const calls = exporter.getFinishedSpans().filter((span) => span.name === 'chat o4-mini')
    expect(calls).toHaveLength(2)
    const hedge = calls.find((span) => span.attributes['switchyard.hedge'] === true)
    const cancelled = calls.find((span) => span.attributes['error.type'] === 'cancelled')
    expect(hedge?.attributes['switchyard.cost.usd']).toBe('0.0014014')
    expect(cancelled?.attributes['server.port']).toBe(slow.port)
    expect(cancelled?.attributes['switchyard.cost.source']).toBe('estimate')
    await router.close()
  })

  it('abandons a stream with no first token within firstTokenMs and reroutes it', async () => {
    const router = createRouter({
      providers: {
        slow: { type: 'openai', apiKey: 'sk-a', baseURL: `${slow.url}/v1` },
        fast: { type: 'openai', apiKey: 'sk-b', baseURL: `${fast.url}/v1` },
      },
      routes: { streamy: { targets: [{ provider: 'slow', model: 'o4-mini' }, { provider: 'fast', model: 'o4-mini' }], retry: { attempts: 1 }, timeouts: { firstTokenMs: 200 } } },
    })
    slow.reply({ sse: fixture('openai/chat-stream.sse'), delayMs: 2_000 })
    fast.reply({ sse: fixture('openai/chat-stream.sse') })
    const stream = router.stream({ route: 'streamy', messages })
    const result = await stream.result
    expect(result.provider).toBe('fast')
    expect(result.attempts[0]).toMatchObject({ provider: 'slow', errorCode: 'timeout' })
    // The abandoned request was aborted, not left waiting for the slow reply (due 2 s after
    // it was sent): closing the pools does not wait for it.
    const closing = Date.now()
    await router.close()
    expect(Date.now() - closing).toBeLessThan(1_000)
  })
})
