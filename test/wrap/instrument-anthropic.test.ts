import Anthropic from '@anthropic-ai/sdk'
import { Stream } from '@anthropic-ai/sdk/streaming'
import { describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { instrument } from '../../src/wrap/instrument.js'
import { byteOffsetOf, collect, fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { testBudgetGate } from './test-budget-gate.js'

const apiKey = 'sk-ant-wrap-test-SECRET'
const request = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Weather in Zürich?' }] }
const messageStream = fixture('anthropic/message-stream.sse')

let recorder: SpanRecorder
let server: ProviderServer
let plain: Anthropic
let wrapped: Anthropic

function newClient(): Anthropic {
  return new Anthropic({ apiKey, baseURL: server.url, maxRetries: 0 })
}

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
  plain = newClient()
  wrapped = instrument(newClient())
})

describe('messages.create', () => {
  it('returns exactly what the unwrapped client returns, priced with 5-minute and 1-hour cache writes', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') }, { body: fixtureJson('anthropic/message.json') })
    const expected = await plain.messages.create(request)
    const actual = await workflow('weather', () => step('answer', () => wrapped.messages.create(request)))
    expect(actual).toEqual(expected)
    expect(server.requests[1]!.json()).toEqual(server.requests[0]!.json())

    const [call] = recorder.calls()
    // 21 uncached × $3 + 8192 read × $0.3 + 1024 5-min writes × $3.75 + 2048 1-hour writes × $6 + 12 output × $15
    // = 63 + 2457.6 + 3840 + 12288 + 180 = $18828.6 per million
    expect(call!.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'gen_ai.request.max_tokens': 1024,
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 21 + 8192 + 3072,
      'gen_ai.usage.cache_read.input_tokens': 8192,
      'gen_ai.usage.cache_write.input_tokens': 3072,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.workflow.name': 'weather',
      'switchyard.step': 'answer',
      'switchyard.cost.usd': '0.0188286',
      'switchyard.cost.source': 'catalog',
      'server.address': '127.0.0.1',
    })
  })

  it('keeps .withResponse() and the same error classes', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json'), headers: { 'request-id': 'req_ant_1' } })
    const { data, response, request_id: requestId } = await wrapped.messages.create(request).withResponse()
    expect(data.id).toBe('msg_01HCvTg4xQe1kYpW7nR2sJ5m')
    expect(response.headers.get('request-id')).toBe('req_ant_1')
    expect(requestId).toBe('req_ant_1')

    const error = fixtureJson('anthropic/error-rate-limit.json')
    server.reply({ status: 429, body: error }, { status: 429, body: error })
    const expected = await rejection(plain.messages.create(request))
    const actual = await rejection(wrapped.messages.create(request))
    expect(actual).toBeInstanceOf(Anthropic.RateLimitError)
    expect(actual).toEqual(expected)
    expect(recorder.calls()[1]!.attributes['error.type']).toBe('rate_limit')
  })
})

describe('streamed messages', () => {
  it('returns the same events as the unwrapped client from create({ stream: true }), priced from the cumulative usage', async () => {
    server.reply({ sse: messageStream }, { sse: messageStream })
    const expected = await collect(await plain.messages.create({ ...request, stream: true }))
    const stream = await wrapped.messages.create({ ...request, stream: true })
    expect(stream).toBeInstanceOf(Stream)
    const actual = await collect(stream)
    expect(actual).toEqual(expected)
    expect(server.requests[1]!.json()).toEqual(server.requests[0]!.json())

    const [call] = recorder.calls()
    // 18 uncached × $3 + 8192 × $0.3 + 1024 × $3.75 + 2048 × $6 + 89 output × $15 = $19974.6 per million
    expect(call!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'msg_01XFDUDYJgAACzvnptvVoYEL',
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.usage.output_tokens': 89,
      'switchyard.cost.usd': '0.0199746',
      'switchyard.cost.source': 'catalog',
    })
    expect(call!.attributes['switchyard.ttft_ms']).toBeGreaterThanOrEqual(0)
  })

  it('returns the same final message from the messages.stream() helper, recorded once', async () => {
    server.reply({ sse: messageStream }, { sse: messageStream })
    const expected = await plain.messages.stream(request).finalMessage()
    const helper = wrapped.messages.stream(request)
    const texts: string[] = []
    helper.on('text', (text) => texts.push(text))
    const actual = await helper.finalMessage()
    expect(actual).toEqual(expected)
    expect(texts.join('')).toBe('Je vérifie la météo à Zürich ☀️ et 東京.')
    expect(recorder.calls()).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes['switchyard.cost.usd']).toBe('0.0199746')
  })

  it('records a stream cut before message_stop as an error billed for the input it reported', async () => {
    const cut = { sse: messageStream, cutAfterBytes: byteOffsetOf(messageStream, 'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}') }
    server.reply(cut, cut)
    const expected = await collect(await plain.messages.create({ ...request, stream: true }))
    const actual = await collect(await wrapped.messages.create({ ...request, stream: true }))
    expect(actual).toEqual(expected)
    const [call] = recorder.calls()
    expect(call!.status.code).toBe(2)
    // Reported at message_start: 18 uncached, 8192 read, 1024 + 2048 written, 2 output; the delivered text
    // "Je vérifie la météo à Zürich ☀️ et 東京." is 39 code points ≈ 10 output tokens, more than the 2 reported:
    // 54 + 2457.6 + 3840 + 12288 + 10 × 15 = $18789.6 per million
    expect(call!.attributes).toMatchObject({ 'error.type': 'stream_cut', 'switchyard.cost.usd': '0.0187896', 'switchyard.cost.source': 'estimate' })
  })

  it('records a caller who stops reading early as cancelled, billed for the text it read', async () => {
    server.reply({ sse: messageStream })
    const stream = await wrapped.messages.create({ ...request, stream: true })
    for await (const event of stream) {
      if (event.type === 'content_block_delta') break
    }
    const [call] = recorder.calls()
    expect(recorder.calls()).toHaveLength(1)
    expect(call!.attributes).toMatchObject({ 'error.type': 'cancelled', 'switchyard.cost.source': 'estimate' })
  })

  it('sends nothing when a budget blocks, directly or through the helper (which wraps it as its cause)', async () => {
    const blocked = instrument(newClient(), { budgets: testBudgetGate({ block: true }) })
    expect(isBudgetExceededError(await rejection(blocked.messages.create(request)))).toBe(true)
    const error = await rejection(blocked.messages.stream(request).finalMessage())
    expect(error).toBeInstanceOf(Anthropic.AnthropicError)
    expect(isBudgetExceededError((error as Error).cause)).toBe(true)
    expect(server.requests).toHaveLength(0)
    expect(recorder.calls()).toHaveLength(0)
  })

  it('turns off the SDK\'s own call span on the instrumented client only, so each call is counted once', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') }, { body: fixtureJson('anthropic/message.json') })
    await plain.messages.create(request)
    await wrapped.messages.create(request)
    const clientSpans = recorder.spans().filter((span) => span.kind === 2)
    expect(clientSpans.map((span) => span.instrumentationScope.name)).toEqual(['com.anthropic.sdk.typescript', 'switchyard'])
  })
})

describe('beta.messages', () => {
  const beta = 'context-management-2025-06-27'
  const betaRequest = { ...request, betas: [beta] }

  it('records create() as messages.create is recorded, with the same span and cost, and sends the betas as a header', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') }, { body: fixtureJson('anthropic/message.json') })
    const expected = await plain.beta.messages.create(betaRequest)
    const actual = await workflow('weather', () => step('answer', () => wrapped.beta.messages.create(betaRequest)))
    expect(actual).toEqual(expected)
    const [sentPlain, sentWrapped] = server.requests
    expect(sentWrapped!.url).toBe(sentPlain!.url)
    expect(sentWrapped!.headers['anthropic-beta']).toBe(beta)
    expect(sentWrapped!.json()).toEqual(sentPlain!.json())
    expect(sentWrapped!.json()).not.toHaveProperty('betas')

    expect(recorder.calls()).toHaveLength(1)
    const [call] = recorder.calls()
    expect(call!.name).toBe('chat claude-sonnet-4-6')
    // The same answer as messages.create's first test, so the same $18828.6 per million.
    expect(call!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'gen_ai.request.max_tokens': 1024,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.id': 'msg_01HCvTg4xQe1kYpW7nR2sJ5m',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 21 + 8192 + 3072,
      'gen_ai.usage.cache_read.input_tokens': 8192,
      'gen_ai.usage.cache_write.input_tokens': 3072,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.workflow.name': 'weather',
      'switchyard.step': 'answer',
      'switchyard.cost.usd': '0.0188286',
      'switchyard.cost.source': 'catalog',
      'server.address': '127.0.0.1',
      'server.port': server.port,
    })
    expect(JSON.stringify(call!.attributes)).not.toContain(apiKey)
    // The SDK's own call span is off for the instrumented client on the beta surface too.
    const clientSpans = recorder.spans().filter((span) => span.kind === 2)
    expect(clientSpans.map((span) => span.instrumentationScope.name)).toEqual(['com.anthropic.sdk.typescript', 'switchyard'])
  })

  it('returns the same events from create({ stream: true }), priced from the cumulative usage', async () => {
    server.reply({ sse: messageStream }, { sse: messageStream })
    const expected = await collect(await plain.beta.messages.create({ ...betaRequest, stream: true }))
    const stream = await wrapped.beta.messages.create({ ...betaRequest, stream: true })
    expect(stream).toBeInstanceOf(Stream)
    const actual = await collect(stream)
    expect(actual).toEqual(expected)
    expect(server.requests[1]!.headers['anthropic-beta']).toBe(beta)
    expect(server.requests[1]!.json()).toEqual(server.requests[0]!.json())

    const [call] = recorder.calls()
    expect(recorder.calls()).toHaveLength(1)
    // As messages.create streamed: $19974.6 per million.
    expect(call!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'msg_01XFDUDYJgAACzvnptvVoYEL',
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.usage.output_tokens': 89,
      'switchyard.cost.usd': '0.0199746',
      'switchyard.cost.source': 'catalog',
    })
    expect(call!.attributes['switchyard.ttft_ms']).toBeGreaterThanOrEqual(0)
  })

  it('returns the same final message from the beta.messages.stream() helper, recorded once', async () => {
    server.reply({ sse: messageStream }, { sse: messageStream })
    const expected = await plain.beta.messages.stream(betaRequest).finalMessage()
    const actual = await wrapped.beta.messages.stream(betaRequest).finalMessage()
    expect(actual).toEqual(expected)
    expect(server.requests[1]!.headers['anthropic-beta']).toBe(beta)
    expect(recorder.calls()).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'switchyard.cost.usd': '0.0199746' })
  })

  it('records the beta.messages.parse() helper once, with the same parsed message as the unwrapped client', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') }, { body: fixtureJson('anthropic/message.json') })
    const expected = await plain.beta.messages.parse(betaRequest)
    const actual = await wrapped.beta.messages.parse(betaRequest)
    expect(actual).toEqual(expected)
    expect(server.requests[1]!.headers['anthropic-beta']).toBe(server.requests[0]!.headers['anthropic-beta'])
    expect(recorder.calls()).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'gen_ai.request.stream': false, 'switchyard.cost.usd': '0.0188286' })
  })

  it('passes the budgets: an allowing decision is on the span, a block sends nothing', async () => {
    const gate = testBudgetGate({ block: false })
    const allowed = instrument(newClient(), { budgets: gate })
    server.reply({ body: fixtureJson('anthropic/message.json') })
    await allowed.beta.messages.create(betaRequest)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.budget.name': 'daily-support', 'switchyard.budget.action': 'allow' })
    expect(gate.queries[0]).toMatchObject({ route: 'anthropic/claude-sonnet-4-6', provider: 'anthropic', model: 'claude-sonnet-4-6' })
    expect(gate.released).toEqual([18_828_600_000n])

    const blocked = instrument(newClient(), { budgets: testBudgetGate({ block: true }) })
    expect(isBudgetExceededError(await rejection(blocked.beta.messages.create(betaRequest)))).toBe(true)
    const error = await rejection(blocked.beta.messages.stream(betaRequest).finalMessage())
    expect(isBudgetExceededError((error as Error).cause)).toBe(true)
    expect(server.requests).toHaveLength(1)
    expect(recorder.calls()).toHaveLength(1)
  })
})
