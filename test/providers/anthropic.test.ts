import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.js'
import {
  awkwardChunkSizes,
  byteOffsetOf,
  collect,
  fixture,
  fixtureJson,
  rejection,
  startProviderServer,
  type ProviderServer,
} from '../helpers/provider-server.js'

const apiKey = 'sk-ant-test-SECRET123'
let server: ProviderServer
let provider: AnthropicProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new AnthropicProvider({ apiKey, baseURL: server.url })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise)
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

const simple: ProviderRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Capital of France?' }] }

describe('Anthropic Messages', () => {
  it('sends x-api-key, anthropic-version and a default max_tokens to /v1/messages', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') })
    await provider.chat(simple)
    const sent = server.lastRequest()
    expect(sent.url).toBe('/v1/messages')
    expect(sent.headers['x-api-key']).toBe(apiKey)
    expect(sent.headers['anthropic-version']).toBe('2023-06-01')
    expect(sent.headers.authorization).toBeUndefined()
    expect(sent.json()).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    })
  })

  it('moves system messages to the top level and maps tool calls and results into alternating turns', async () => {
    server.reply({ body: fixtureJson('anthropic/message-tool-use.json') })
    await provider.chat({
      model: 'claude-haiku-4-5',
      maxTokens: 512,
      temperature: 0.3,
      stop: ['###'],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          toolCalls: [
            { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'toolu_2', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: 'sunny' },
        { role: 'tool', toolCallId: 'toolu_2', content: 'rain' },
        { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' }] },
        { role: 'developer', content: 'Answer in French.' },
      ],
      tools: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      toolChoice: 'required',
    })
    expect(server.lastRequest().json()).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 512,
      system: 'You are terse.\n\nAnswer in French.',
      temperature: 0.3,
      stop_sequences: ['###'],
      messages: [
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'rain' },
            { type: 'text', text: 'And this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
      tools: [
        { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      tool_choice: { type: 'any' },
    })
  })

  it('counts cache reads and 5-minute and 1-hour cache writes into input tokens', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') })
    const result = await provider.chat(simple)
    expect(result).toEqual({
      id: 'msg_01HCvTg4xQe1kYpW7nR2sJ5m',
      model: 'claude-sonnet-4-5-20250929',
      text: 'The capital of France is Paris.',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: 'end_turn',
      serviceTier: 'standard',
      usage: {
        inputTokens: 21 + 8192 + 3072,
        outputTokens: 12,
        cacheReadInputTokens: 8192,
        cacheWriteInputTokens: 3072,
        cacheWrite1hInputTokens: 2048,
        reasoningOutputTokens: 0,
      },
    })
  })

  it('returns tool_use blocks as tool calls and leaves thinking out of the text', async () => {
    server.reply({ body: fixtureJson('anthropic/message-tool-use.json') })
    const result = await provider.chat(simple)
    expect(result).toMatchObject({
      text: "I'll check the weather in Paris.",
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_use',
      toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' }],
    })
  })

  it('streams text and input_json deltas at awkward offsets, keeping the thinking block (with its signature) out of the text, ignoring ping', async () => {
    server.reply({ sse: fixture('anthropic/message-stream.sse'), chunkSizes: awkwardChunkSizes })
    const events = await collect(provider.stream(simple))
    expect(server.lastRequest().json()).toMatchObject({ stream: true, max_tokens: 4096 })
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toBe('Je vérifie la météo à Zürich ☀️ et 東京.')
    expect(events.filter((event) => event.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city": "Zür' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ich"}' },
    ])
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      model: 'claude-sonnet-4-5-20250929',
      text,
      toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city": "Zürich"}' }],
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_use',
      serviceTier: 'standard',
      reasoning: [{ type: 'thinking', thinking: 'Weather needs the tool.', signature: 'EqQBCkgIARABGAIiQL3r7v2pQ' }],
      usage: {
        inputTokens: 18 + 8192 + 3072,
        outputTokens: 89,
        cacheReadInputTokens: 8192,
        cacheWriteInputTokens: 3072,
        cacheWrite1hInputTokens: 2048,
        reasoningOutputTokens: 0,
      },
    })
  })

  it('throws stream_cut with the partial text and the usage from message_start when message_stop never comes', async () => {
    const sse = fixture('anthropic/message-stream.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, 'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}') })
    const error = await providerError(collect(provider.stream(simple)))
    expect(error.code).toBe('stream_cut')
    expect(error.partialText).toBe('Je vérifie la météo à Zürich ☀️ et 東京.')
    expect(error.partialUsage).toEqual({
      inputTokens: 18 + 8192 + 3072,
      outputTokens: 2,
      cacheReadInputTokens: 8192,
      cacheWriteInputTokens: 3072,
      cacheWrite1hInputTokens: 2048,
      reasoningOutputTokens: 0,
    })
  })

  it('throws stream_cut when the connection resets mid-stream', async () => {
    const sse = fixture('anthropic/message-stream.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, 'event: ping'), cutMode: 'destroy' })
    const error = await providerError(collect(provider.stream(simple)))
    expect(error.code).toBe('stream_cut')
    expect(error.partialUsage?.inputTokens).toBe(18 + 8192 + 3072)
  })

  it('turns an overloaded error event into an overloaded ProviderError with the partial output', async () => {
    server.reply({ sse: fixture('anthropic/message-stream-overloaded.sse') })
    const error = await providerError(collect(provider.stream(simple)))
    expect(error).toMatchObject({
      code: 'overloaded',
      retryable: true,
      providerErrorType: 'overloaded_error',
      partialText: 'Partial answer',
      partialUsage: { inputTokens: 40, outputTokens: 1 },
    })
  })
})

describe('Anthropic errors', () => {
  it.each([
    ['anthropic/error-prompt-too-long.json', 400, 'context_length_exceeded', false],
    ['anthropic/error-authentication.json', 401, 'auth', false],
    ['anthropic/error-not-found.json', 404, 'not_found', false],
    ['anthropic/error-api.json', 500, 'server_error', true],
    ['anthropic/error-overloaded.json', 529, 'overloaded', true],
  ] as const)('classifies %s (HTTP %i) as %s', async (file, status, code, retryable) => {
    server.reply({ status, body: fixtureJson(file) })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code, status, retryable, provider: 'anthropic', model: 'claude-sonnet-4-5' })
    expect(JSON.stringify(error)).not.toContain(apiKey)
    expect(error.stack).not.toContain(apiKey)
  })

  it('reads retry-after seconds on a 429', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '12' }, body: fixtureJson('anthropic/error-rate-limit.json') })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code: 'rate_limit', retryable: true, retryAfterMs: 12_000, providerErrorType: 'rate_limit_error' })
  })

  it('rejects tool-call arguments that are not JSON before sending anything', async () => {
    const error = await providerError(
      provider.chat({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'toolu_x', name: 'f', arguments: '{not json' }] }],
      }),
    )
    expect(error.code).toBe('bad_request')
    expect(server.requests).toHaveLength(0)
  })
})
