import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.js'
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

const apiKey = 'AIzaSyTest-SECRET123-abcdefghijklmnop'
let server: ProviderServer
let provider: GeminiProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new GeminiProvider({ apiKey, baseURL: server.url })
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

const simple: ProviderRequest = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Capital of France?' }] }

function textOf(events: StreamEvent[]): string {
  return events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
}

describe('Gemini generateContent', () => {
  it('puts the key in x-goog-api-key, never in the URL', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content.json') })
    await provider.chat(simple)
    const sent = server.lastRequest()
    expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
    expect(sent.headers['x-goog-api-key']).toBe(apiKey)
    expect(sent.url).not.toContain('key=')
    expect(provider.providerName).toBe('gcp.gemini')
  })

  it('maps system, tool calls, tool results and generation settings', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content-function-call.json') })
    await provider.chat({
      model: 'models/gemini-2.5-flash',
      maxTokens: 256,
      temperature: 0.1,
      topP: 0.9,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_0', content: '{"temperature":21}' },
        { role: 'tool', toolCallId: 'call_unknown', content: 'plain text' },
      ],
      tools: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      toolChoice: { name: 'get_weather' },
    })
    expect(server.lastRequest().url).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
    expect(server.lastRequest().json()).toEqual({
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { temperature: 21 } } },
            { functionResponse: { name: 'call_unknown', response: { result: 'plain text' } } },
          ],
        },
      ],
      generationConfig: { maxOutputTokens: 256, temperature: 0.1, topP: 0.9, stopSequences: ['END'] },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Current weather',
              parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    })
  })

  it('counts thoughts as output and reasoning, cached content inside input, and leaves thought text out', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content.json') })
    const result = await provider.chat(simple)
    expect(result).toEqual({
      id: 'tZ2HaOaWI9yXkdUP0pXw4Qc',
      model: 'gemini-2.5-flash',
      text: 'The capital of France is Paris.',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: 'STOP',
      usage: {
        inputTokens: 4391,
        outputTokens: 8 + 517,
        cacheReadInputTokens: 4096,
        cacheWriteInputTokens: 0,
        cacheWrite1hInputTokens: 0,
        reasoningOutputTokens: 517,
      },
    })
  })

  it('returns function calls with finish reason tool_calls', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content-function-call.json') })
    const result = await provider.chat(simple)
    expect(result).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'STOP',
      toolCalls: [
        {
          // Gemini sends no id: one is made up, unique across turns (see gemini-tool-loop.test.ts).
          id: expect.stringMatching(/^call_[\w-]+_0$/),
          name: 'get_weather',
          arguments: '{"city":"Paris"}',
          thoughtSignature: 'CiQB0e2Kb9mN3qX7vT2sL8pW4rZ1kY6hJ5dF0gA9cE3bU7iQ',
        },
      ],
      usage: { inputTokens: 96, outputTokens: 15 + 62, reasoningOutputTokens: 62 },
    })
  })

  it('reports a blocked prompt as content_filter', async () => {
    server.reply({ body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } } })
    const result = await provider.chat(simple)
    expect(result).toMatchObject({ finishReason: 'content_filter', rawFinishReason: 'PROHIBITED_CONTENT', text: '' })
  })
})

describe('Gemini streamGenerateContent', () => {
  it('streams CRLF-delimited chunks split at awkward offsets and keeps the last cumulative usage, never the sum', async () => {
    server.reply({ sse: fixture('gemini/stream-generate-content.sse'), chunkSizes: awkwardChunkSizes })
    const events = await collect(provider.stream(simple))
    expect(server.lastRequest().url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    expect(server.lastRequest().url).not.toContain('key=')
    expect(textOf(events)).toBe('Le ciel de Zürich est bleu ☀️, celui de 東京 aussi 🌸.')
    expect(events.filter((event) => event.type === 'usage')).toHaveLength(3)
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result).toMatchObject({
      id: 'mK2HaPqWLe-YkdUPq8zL8Qc',
      model: 'gemini-2.5-flash',
      finishReason: 'stop',
      usage: {
        inputTokens: 2104,
        outputTokens: 15 + 410,
        cacheReadInputTokens: 2048,
        reasoningOutputTokens: 410,
      },
    })
  })

  it('throws stream_cut with the last usage seen when no chunk carried a finish reason', async () => {
    const sse = fixture('gemini/stream-generate-content.sse')
    server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, 'data: {"candidates": [{"content": {"parts": [{"text": "celui') })
    const error = await providerError(collect(provider.stream(simple)))
    expect(error.code).toBe('stream_cut')
    expect(error.partialText).toBe('Le ciel de Zürich est bleu ☀️, ')
    expect(error.partialUsage).toMatchObject({ inputTokens: 2104, outputTokens: 9 + 410 })
  })
})

describe('Gemini errors', () => {
  it.each([
    ['gemini/error-context-length.json', 400, 'context_length_exceeded', false],
    ['gemini/error-api-key-invalid.json', 400, 'auth', false],
    ['gemini/error-not-found.json', 404, 'not_found', false],
    ['gemini/error-internal.json', 500, 'server_error', true],
    ['gemini/error-unavailable.json', 503, 'overloaded', true],
  ] as const)('classifies %s (HTTP %i) as %s', async (file, status, code, retryable) => {
    server.reply({ status, body: fixtureJson(file) })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code, status, retryable, provider: 'gcp.gemini', model: 'gemini-2.5-flash' })
    expect(JSON.stringify(error)).not.toContain(apiKey)
    expect(String(error)).not.toContain(apiKey)
  })

  it('takes the retry delay of a 429 from RetryInfo when there is no Retry-After header', async () => {
    server.reply({ status: 429, body: fixtureJson('gemini/error-resource-exhausted.json') })
    const error = await providerError(provider.chat(simple))
    expect(error).toMatchObject({ code: 'rate_limit', retryable: true, retryAfterMs: 38_000, providerErrorType: 'RESOURCE_EXHAUSTED' })
  })
})
