import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ModelCallResult } from '../../src/model-call/model-call-result.js'
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js'
import { anthropicSampling } from '../../src/providers/anthropic/anthropic-sampling.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { startModelCallSpan } from '../../src/telemetry/model-call-span.js'
import { awkwardChunkSizes, collect, fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let provider: AnthropicProvider
const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })

beforeAll(async () => {
  trace.setGlobalTracerProvider(tracerProvider)
  server = await startProviderServer()
  provider = new AnthropicProvider({ apiKey: 'sk-ant-test-wire-fixes', baseURL: server.url })
})

afterAll(async () => {
  await provider.close()
  await server.close()
  await tracerProvider.shutdown()
  trace.disable()
})

afterEach(() => {
  server.requests.length = 0
  exporter.reset()
})

const question = [{ role: 'user' as const, content: 'What is 12 × 7 − 4?' }]

async function streamed(request: ProviderRequest): Promise<ModelCallResult> {
  const events = await collect(provider.stream(request))
  const finish = events.at(-1)
  if (finish?.type !== 'finish') throw new Error('no finish event')
  return finish.result
}

describe('Anthropic sampling settings by model', () => {
  it.each([
    ['claude-opus-4-1-20250805', true],
    ['claude-sonnet-4-5', true],
    ['claude-sonnet-4-5@20250929', true],
    ['claude-haiku-4-5-20251001', true],
    ['claude-opus-4-5', true],
    ['claude-sonnet-5', true],
    ['us.anthropic.claude-opus-4-1-20250805-v1:0', true],
    ['a-model-whose-name-says-nothing', true],
    ['claude-sonnet-4-20250514', false],
    ['claude-opus-4-0', false],
    ['claude-3-7-sonnet-20250219', false],
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', false],
    ['claude-2.1', false],
  ] as const)('%s: top_p dropped beside temperature: %s', (model, drops) => {
    expect(anthropicSampling(model, 0.2, 0.9)).toEqual(drops ? { temperature: 0.2, dropped: ['top_p'] } : { temperature: 0.2, topP: 0.9, dropped: [] })
  })

  it('keeps a lone top_p or a lone temperature on every model', () => {
    expect(anthropicSampling('claude-sonnet-4-5', undefined, 0.9)).toEqual({ topP: 0.9, dropped: [] })
    expect(anthropicSampling('claude-sonnet-4-5', 0.4, undefined)).toEqual({ temperature: 0.4, dropped: [] })
  })
})

describe('Anthropic requests with temperature and top_p', () => {
  it('send only temperature to a 4.5-generation model, and say on the result and the span that top_p was dropped', async () => {
    server.reply({ body: fixtureJson('anthropic/message-thinking.json') })
    const request: ProviderRequest = { model: 'claude-opus-4-5', messages: question, temperature: 0.2, topP: 0.9 }
    const result = await provider.chat(request)
    const sent = server.lastRequest().json() as Record<string, unknown>
    expect(sent.temperature).toBe(0.2)
    expect(sent).not.toHaveProperty('top_p')
    expect(result.droppedRequestFields).toEqual(['top_p'])

    const span = startModelCallSpan({
      scope: { tags: {} },
      providerName: provider.providerName,
      serverAddress: provider.serverAddress,
      serverPort: provider.serverPort,
      request,
      stream: false,
      attempt: 1,
      captureContent: false,
    })
    span.end({ result })
    const [finished] = exporter.getFinishedSpans()
    expect(finished?.attributes['switchyard.request.dropped']).toBe('["top_p"]')
    expect(finished?.attributes['switchyard.service_tier']).toBe('priority')
  })

  it('send both to a model that takes both, and report nothing dropped', async () => {
    server.reply({ body: fixtureJson('anthropic/message-thinking.json') })
    const result = await provider.chat({ model: 'claude-sonnet-4-20250514', messages: question, temperature: 0.2, topP: 0.9 })
    expect(server.lastRequest().json()).toMatchObject({ temperature: 0.2, top_p: 0.9 })
    expect(result.droppedRequestFields).toBeUndefined()
  })

  it('streamed: the finish result says what was dropped', async () => {
    server.reply({ sse: fixture('anthropic/message-thinking-stream.sse') })
    const result = await streamed({ model: 'claude-haiku-4-5', messages: question, temperature: 0.5, topP: 0.5 })
    expect(server.lastRequest().json()).not.toHaveProperty('top_p')
    expect(result.droppedRequestFields).toEqual(['top_p'])
  })
})

describe('Anthropic thinking tokens and service tier', () => {
  it('reads output_tokens_details.thinking_tokens as reasoning tokens, inside output tokens, and the tier from usage', async () => {
    server.reply({ body: fixtureJson('anthropic/message-thinking.json') })
    const result = await provider.chat({ model: 'claude-opus-4-5', messages: question })
    expect(result.text).toBe('80')
    expect(result.usage).toEqual({
      inputTokens: 37,
      outputTokens: 214,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
      cacheWrite1hInputTokens: 0,
      reasoningOutputTokens: 198,
    })
    expect(result.serviceTier).toBe('priority')
  })

  it('streamed: takes the thinking tokens from the final message_delta and the tier from message_start', async () => {
    server.reply({ sse: fixture('anthropic/message-thinking-stream.sse'), chunkSizes: awkwardChunkSizes })
    const events = await collect(provider.stream({ model: 'claude-opus-4-5', messages: question }))
    const usages = events.flatMap((event) => (event.type === 'usage' ? [event.usage.reasoningOutputTokens] : []))
    // message_start knows no thinking yet; the final message_delta does.
    expect(usages).toEqual([0, 198])
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result).toMatchObject({
      text: '80',
      serviceTier: 'priority',
      usage: { inputTokens: 37, outputTokens: 214, reasoningOutputTokens: 198 },
    })
  })

  it('drops a service tier that is not a short plain word', async () => {
    const message = fixtureJson('anthropic/message-thinking.json') as { usage: Record<string, unknown> }
    server.reply({ body: { ...message, usage: { ...message.usage, service_tier: 'x'.repeat(33) } } })
    expect((await provider.chat({ model: 'claude-opus-4-5', messages: question })).serviceTier).toBeUndefined()
    server.reply({ body: { ...message, usage: { ...message.usage, service_tier: 'priority\nX-Injected: 1' } } })
    expect((await provider.chat({ model: 'claude-opus-4-5', messages: question })).serviceTier).toBeUndefined()
  })
})
