import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import type { ProviderRequest, StreamEvent } from '../../src/providers/provider.js'
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

const apiKey = 'sk-test-SECRET123'
let server: ProviderServer
let provider: OpenAIProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1` })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

const toolRequest: ProviderRequest = {
  model: 'gpt-4.1',
  maxTokens: 300,
  temperature: 0.2,
  stop: ['END'],
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'developer', content: 'Use tools when useful.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', imageUrl: 'https://img.test/a.png' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: '{"temperature":21}' },
  ],
  tools: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  toolChoice: { name: 'get_weather' },
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise)
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

describe('OpenAI Chat Completions', () => {
  it('sends the mapped request with bearer auth to /v1/chat/completions', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion-tool-calls.json') })
    await provider.chat(toolRequest)
    const request = server.lastRequest()
    expect(request.method).toBe('POST')
    expect(request.url).toBe('/v1/chat/completions')
    expect(request.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(request.json()).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: 'Use tools when useful.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris?' },
            { type: 'image_url', image_url: { url: 'https://img.test/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
      ],
      max_completion_tokens: 300,
      temperature: 0.2,
      stop: ['END'],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    })
  })

  it('normalizes text and usage with cached and reasoning tokens included, not added', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion.json') })
    const result = await provider.chat({ model: 'o4-mini', messages: [{ role: 'user', content: 'Capital of France?' }] })
    expect(result).toEqual({
      id: 'chatcmpl-BzK8v2qTnQ4hXw7LmR3aP9sD1fGy',
      model: 'o4-mini-2025-04-16',
      text: 'The capital of France is Paris.',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: 'stop',
      serviceTier: 'default',
      usage: {
        inputTokens: 1290,
        outputTokens: 212,
        cacheReadInputTokens: 1152,
        cacheWriteInputTokens: 0,
        cacheWrite1hInputTokens: 0,
        reasoningOutputTokens: 192,
      },
    })
  })

  it('returns parallel tool calls with finish reason tool_calls', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion-tool-calls.json') })
    const result = await provider.chat(toolRequest)
    expect(result.finishReason).toBe('tool_calls')
    expect(result.toolCalls).toEqual([
      { id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld', name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ])
  })

  it('streams text split at awkward byte offsets, with stream_options and the final usage chunk', async () => {
    server.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: awkwardChunkSizes })
    const events = await collect(provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Coffee?' }] }))
    expect(server.lastRequest().json()).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(server.lastRequest().headers.accept).toBe('text/event-stream')
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toBe('Café ☕ au lait — 日本語 👍🏽')
    const finish = events.at(-1)
    expect(finish?.type).toBe('finish')
    if (finish?.type !== 'finish') return
    expect(finish.result).toMatchObject({
      id: 'chatcmpl-BzKA1xYq3vTnW8pLs6Hd2Rf0Gm',
      model: 'gpt-4o-mini-2024-07-18',
      text,
      finishReason: 'stop',
      usage: { inputTokens: 2006, outputTokens: 11, cacheReadInputTokens: 1920 },
    })
    expect(events.filter((event) => event.type === 'usage')).toHaveLength(1)
  })

  it('streams tool-call deltas by index and assembles the calls', async () => {
    server.reply({ sse: fixture('openai/chat-stream-tool-calls.sse'), chunkSizes: [4, 9] })
    const events = await collect(provider.stream(toolRequest))
    const deltas = events.filter((event): event is Extract<StreamEvent, { type: 'tool-call-delta' }> => event.type === 'tool-call-delta')
    expect(deltas[0]).toEqual({ type: 'tool-call-delta', index: 0, id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', name: 'get_weather', argumentsDelta: '' })
    expect(deltas.filter((delta) => delta.index === 1).map((delta) => delta.argumentsDelta).join('')).toBe(
      '{"timezone":"Europe/Paris"}',
    )
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result.finishReason).toBe('tool_calls')
    expect(finish.result.toolCalls).toEqual([
      { id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld', name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ])
  })

  it('throws stream_cut with the partial text when the stream ends before [DONE] and the usage', async () => {
    const sse = fixture('openai/chat-stream.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, '{"content":" 👍🏽"}') + 5 })
    const error = await providerError(collect(provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })))
    expect(error.code).toBe('stream_cut')
    expect(error.retryable).toBe(true)
    expect(error.partialText).toBe('Café ☕ au lait — 日本語')
    expect(error.partialUsage).toBeUndefined()
  })

  it('throws stream_cut when the connection is reset in the middle of the stream', async () => {
    const sse = fixture('openai/chat-stream.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, '{"content":" lait'), cutMode: 'destroy', chunkSizes: [300] })
    const error = await providerError(collect(provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })))
    expect(error.code).toBe('stream_cut')
    expect(error.partialText).toBe('Café ☕ au')
  })

  it('reports an error object inside the stream as a ProviderError', async () => {
    server.reply({
      sse: 'data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}\n\n',
    })
    const error = await providerError(collect(provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })))
    expect(error.code).toBe('server_error')
    expect(error.status).toBeUndefined()
  })

  it('rejects a chunk with an unexpected shape as a non-retryable server_error naming the field', async () => {
    const sse = fixture('openai/chat-stream.sse').replace('"delta":{"content":"Café"}', '"delta":{"content":42}')
    server.reply({ sse })
    const error = await providerError(collect(provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })))
    expect(error.code).toBe('server_error')
    expect(error.retryable).toBe(false)
    expect(error.message).toContain('choices.0.delta.content')
  })
})

describe('OpenAI Responses API', () => {
  const request: ProviderRequest = {
    model: 'gpt-5-mini',
    api: 'responses',
    maxTokens: 2000,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', toolCallId: 'call_9', content: 'rain' },
    ],
    tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
    toolChoice: 'required',
  }

  it('sends input items to /v1/responses and reads a function call with usage', async () => {
    server.reply({ body: fixtureJson('openai/responses.json') })
    const result = await provider.chat(request)
    expect(server.lastRequest().url).toBe('/v1/responses')
    expect(server.lastRequest().json()).toEqual({
      model: 'gpt-5-mini',
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Checking.' },
        { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_9', output: 'rain' },
      ],
      max_output_tokens: 2000,
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }],
      tool_choice: 'required',
    })
    expect(result).toMatchObject({
      model: 'gpt-5-mini-2025-08-07',
      text: '',
      finishReason: 'tool_calls',
      rawFinishReason: 'completed',
      toolCalls: [{ id: 'call_Hn2Kq7WvR4tY9mBx3Lp8Zs1D', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { inputTokens: 2087, outputTokens: 340, cacheReadInputTokens: 1920, reasoningOutputTokens: 320 },
    })
  })

  it('streams output_text deltas and takes the result from response.completed', async () => {
    server.reply({ sse: fixture('openai/responses-stream.sse'), chunkSizes: awkwardChunkSizes })
    const events = await collect(provider.stream({ ...request, tools: undefined, toolChoice: undefined }))
    expect(server.lastRequest().json()).toMatchObject({ stream: true })
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toBe('Bonjour — ça va? 🙂')
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result).toMatchObject({
      id: 'resp_6889c4a0e1f2819f9a8b7c6d5e4f3a2b01c2d3e4f5a6b7c8',
      text,
      finishReason: 'stop',
      usage: { inputTokens: 2087, outputTokens: 340, cacheReadInputTokens: 1920, reasoningOutputTokens: 320 },
    })
  })

  it('streams function-call arguments by output index', async () => {
    server.reply({ sse: fixture('openai/responses-stream-function-call.sse') })
    const events = await collect(provider.stream(request))
    const deltas = events.filter((event) => event.type === 'tool-call-delta')
    expect(deltas.map((delta) => (delta.type === 'tool-call-delta' ? delta.argumentsDelta : '')).join('')).toBe(
      '{"city":"Paris"}',
    )
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result.toolCalls).toEqual([{ id: 'call_Hn2Kq7WvR4tY9mBx3Lp8Zs1D', name: 'get_weather', arguments: '{"city":"Paris"}' }])
  })

  it('throws stream_cut when the stream ends before response.completed', async () => {
    const sse = fixture('openai/responses-stream.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, 'event: response.output_text.done') })
    const error = await providerError(collect(provider.stream({ ...request, tools: undefined, toolChoice: undefined })))
    expect(error.code).toBe('stream_cut')
    expect(error.partialText).toBe('Bonjour — ça va? 🙂')
  })

  it('reports response.failed as an error', async () => {
    server.reply({
      sse: 'event: response.failed\ndata: {"type":"response.failed","sequence_number":3,"response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."},"output":[]}}\n\n',
    })
    const error = await providerError(collect(provider.stream(request)))
    expect(error).toMatchObject({ code: 'server_error', providerErrorType: 'server_error' })
  })
})

describe('OpenAI errors', () => {
  const simple: ProviderRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }

  it.each([
    ['openai/error-context-length.json', 400, 'context_length_exceeded', false],
    ['openai/error-invalid-api-key.json', 401, 'auth', false],
    ['openai/error-model-not-found.json', 404, 'not_found', false],
    ['openai/error-insufficient-quota.json', 429, 'rate_limit', false],
    ['openai/error-server.json', 500, 'server_error', true],
    ['openai/error-overloaded.json', 503, 'overloaded', true],
  ] as const)('classifies %s (HTTP %i) as %s', async (file, status, code, retryable) => {
    server.reply({ status, body: fixtureJson(file) })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code, status, retryable, provider: 'openai', model: 'gpt-4o-mini' })
    expect(JSON.stringify(error)).not.toContain(apiKey)
  })

  it('reads retry-after-ms on a 429', async () => {
    server.reply({ status: 429, headers: { 'retry-after-ms': '372', 'retry-after': '1' }, body: fixtureJson('openai/error-rate-limit.json') })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code: 'rate_limit', retryable: true, retryAfterMs: 372, providerErrorType: 'rate_limit_exceeded' })
  })

  it('rejects a stream before yielding when the status is an error', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '7' }, body: fixtureJson('openai/error-rate-limit.json') })
    const iterator = provider.stream(simple)[Symbol.asyncIterator]()
    const error = await providerError(iterator.next())
    expect(error).toMatchObject({ code: 'rate_limit', retryAfterMs: 7_000 })
  })

  it('never lets the API key reach the error, even when the body echoes it', async () => {
    server.reply({ status: 401, body: fixtureJson('openai/error-invalid-api-key.json') })
    const error = await providerError(provider.chat(simple))
    expect(error.providerErrorMessage).toContain('[REDACTED]')
    expect(String(error)).not.toContain(apiKey)
    expect(error.stack).not.toContain(apiKey)
    expect(JSON.stringify(error)).not.toContain(apiKey)
  })
})
