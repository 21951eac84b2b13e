import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayError, invalidField } from '../../src/gateway/gateway-error.js'
import { anthropicMessagesFormat } from '../../src/gateway/anthropic/anthropic-messages-format.js'
import type { ParsedClientRequest } from '../../src/gateway/wire-format.js'
import type { ChatResult, ChatStream, ChatStreamChunk } from '../../src/router/chat-request.js'
import { ProviderError } from '../../src/providers/provider-error.js'

const request: ParsedClientRequest = {
  chat: { route: 'fast', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 256 },
  requestedModel: 'fast',
  stream: true,
  includeUsage: true,
}

function chatResult(overrides: Partial<ChatResult> = {}): ChatResult {
  const text = overrides.text ?? 'Hello there.'
  const toolCalls = overrides.toolCalls ?? []
  return {
    text,
    message: { role: 'assistant', content: text, toolCalls, ...overrides.message },
    toolCalls,
    finishReason: 'stop',
    id: 'chatcmpl-42',
    usage: { inputTokens: 120, outputTokens: 30, cacheReadInputTokens: 80, cacheWriteInputTokens: 10, cacheWrite1hInputTokens: 4, reasoningOutputTokens: 0 },
    costUsd: '0.0001',
    costSource: 'catalog',
    provider: 'openai',
    model: 'gpt-4.1-mini-2025-04-14',
    route: 'fast',
    attempts: [],
    ...overrides,
  }
}

/** A ChatStream like the router's: chunks on iteration, the result once they are done (or the failure). */
function chatStream(chunks: ChatStreamChunk[], outcome: ChatResult | Error, options: { failAfter?: number } = {}): ChatStream & { cancelled: () => boolean } {
  let cancelled = false
  let settle: { resolve: (result: ChatResult) => void; reject: (error: unknown) => void } | undefined
  const result = new Promise<ChatResult>((resolve, reject) => {
    settle = { resolve, reject }
  })
  async function* iterate(): AsyncGenerator<ChatStreamChunk> {
    try {
      for (const [index, chunk] of chunks.entries()) {
        if (options.failAfter === index && outcome instanceof Error) throw outcome
        await Promise.resolve()
        yield chunk
      }
      if (outcome instanceof Error) throw outcome
      settle?.resolve(outcome)
    } catch (error) {
      settle?.reject(error)
      throw error
    } finally {
      if (settle !== undefined) cancelled = true
    }
  }
  return Object.assign(iterate(), { result, cancel: () => (cancelled = true), cancelled: () => cancelled })
}

async function frames(stream: ChatStream): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const parsed: { event: string; data: Record<string, unknown> }[] = []
  for await (const frame of anthropicMessagesFormat.encodeStream(stream, request)) {
    const match = /^event: (\w+)\ndata: (.*)\n\n$/s.exec(frame)
    if (match === null) throw new Error(`not one SSE frame: ${JSON.stringify(frame)}`)
    parsed.push({ event: match[1] ?? '', data: JSON.parse(match[2] ?? '') as Record<string, unknown> })
  }
  return parsed
}

const toolChunks: ChatStreamChunk[] = [
  { type: 'text-delta', text: 'Let me ' },
  { type: 'text-delta', text: 'check.' },
  { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'get_weather', argumentsDelta: '' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '{"tz":' },
  { type: 'tool-call-delta', index: 1, id: 'call_b', name: 'get_time', argumentsDelta: '"CET"}' },
]
const toolResult = chatResult({
  text: 'Let me check.',
  finishReason: 'tool_calls',
  toolCalls: [
    { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' },
  ],
})

describe('anthropicMessagesFormat.encodeResult', () => {
  it('writes a message: reasoning first, then text and tool_use blocks, usage in Anthropic convention', () => {
    const body = anthropicMessagesFormat.encodeResult(
      chatResult({
        ...toolResult,
        message: { role: 'assistant', content: 'Let me check.', toolCalls: toolResult.toolCalls, reasoning: [{ type: 'thinking', thinking: 'Tools.', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }, { type: 'openai_reasoning', id: 'rs_1', summary: [] }] },
      }),
      request,
    )
    expect(body).toEqual({
      id: 'msg_chatcmpl-42',
      type: 'message',
      role: 'assistant',
      model: 'fast',
      content: [
        { type: 'thinking', thinking: 'Tools.', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        // OpenAI's reasoning item has no Anthropic block: it rides in switchyard's own.
        { type: 'redacted_thinking', data: expect.stringMatching(/^switchyard-state-v1:[A-Za-z0-9_-]+$/) as unknown },
        { type: 'text', text: 'Let me check.', citations: null },
        { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_b', name: 'get_time', input: { tz: 'CET' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        output_tokens: 30,
        cache_read_input_tokens: 80,
        cache_creation_input_tokens: 10,
        cache_creation: { ephemeral_5m_input_tokens: 6, ephemeral_1h_input_tokens: 4 },
        cost_usd: '0.0001',
      },
    })
  })

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
    ['other', 'end_turn'],
  ] as const)('maps the finish reason %s to stop_reason %s', (finishReason, stopReason) => {
    expect(anthropicMessagesFormat.encodeResult(chatResult({ finishReason }), request)).toMatchObject({ stop_reason: stopReason })
  })

  it('keeps an Anthropic message id, and gives an empty answer no blocks', () => {
    expect(anthropicMessagesFormat.encodeResult(chatResult({ id: 'msg_01abc', text: '' }), request)).toMatchObject({ id: 'msg_01abc', content: [] })
  })

  it('answers 502 when a tool call has arguments that are not a JSON object', () => {
    const bad = chatResult({ finishReason: 'tool_calls', toolCalls: [{ id: 'call_x', name: 'f', arguments: '[1,2' }] })
    expect(() => anthropicMessagesFormat.encodeResult(bad, request)).toThrowError(GatewayError)
  })
})

describe('anthropicMessagesFormat.encodeStream', () => {
  it('writes message_start, one block per text run and tool call, message_delta with usage, message_stop', async () => {
    const events = await frames(chatStream(toolChunks, toolResult))
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ])
    expect(events[0]?.data).toMatchObject({ type: 'message_start', message: { type: 'message', role: 'assistant', model: 'fast', content: [], stop_reason: null } })
    expect(events[5]?.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } })
    // The second call's arguments began before its id and name came: they are sent once its block starts.
    expect(events.slice(9, 11).map((event) => event.data)).toEqual([
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"tz":"CET"}' } },
    ])
    expect(events[12]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 30, output_tokens: 30, cache_read_input_tokens: 80, cache_creation_input_tokens: 10, cache_creation: { ephemeral_5m_input_tokens: 6, ephemeral_1h_input_tokens: 4 }, cost_usd: '0.0001' },
    })
  })

  it('writes an answer with no content as message_start, message_delta and message_stop', async () => {
    const events = await frames(chatStream([], chatResult({ text: '', usage: { ...chatResult().usage, outputTokens: 1 } })))
    expect(events.map((event) => event.event)).toEqual(['message_start', 'message_delta', 'message_stop'])
    expect(events[1]?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } })
  })

  it('opens a new text block for text that follows a tool call, and numbers blocks in order', async () => {
    const chunks: ChatStreamChunk[] = [
      { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'f', argumentsDelta: '{}' },
      { type: 'text-delta', text: 'After.' },
    ]
    const events = await frames(chatStream(chunks, chatResult({ text: 'After.', finishReason: 'tool_calls', toolCalls: [{ id: 'call_a', name: 'f', arguments: '{}' }] })))
    const starts = events.filter((event) => event.event === 'content_block_start').map((event) => event.data)
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    ])
    expect(events.filter((event) => event.event === 'content_block_stop').map((event) => event.data.index)).toEqual([0, 1])
  })

  it('starts a tool call whose name never streamed from the result, at the end', async () => {
    const chunks: ChatStreamChunk[] = [{ type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":1}' }]
    const events = await frames(chatStream(chunks, chatResult({ text: '', finishReason: 'tool_calls', toolCalls: [{ id: 'call_z', name: 'lookup', arguments: '{"q":1}' }] })))
    expect(events.slice(1, 4).map((event) => event.data)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'call_z', name: 'lookup', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":1}' } },
      { type: 'content_block_stop', index: 0 },
    ])
  })

  it('sends Claude reasoning blocks whole after the streamed content', async () => {
    const result = chatResult({ message: { role: 'assistant', content: 'Hello there.', toolCalls: [], reasoning: [{ type: 'thinking', thinking: 'Greet.', signature: 'sig' }] } })
    const events = await frames(chatStream([{ type: 'text-delta', text: 'Hello there.' }], result))
    expect(events.slice(4, 8).map((event) => event.data)).toEqual([
      { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'Greet.' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 1 },
    ])
  })

  it('rejects before any frame when the call fails before its first chunk', async () => {
    const failure = new ProviderError({ provider: 'openai', model: 'gpt-4.1', code: 'rate_limit', message: 'rate limited', status: 429 })
    const iteration = anthropicMessagesFormat.encodeStream(chatStream([], failure), request)[Symbol.asyncIterator]()
    await expect(iteration.next()).rejects.toBe(failure)
  })

  it('ends with an error event when the stream fails after its first frame', async () => {
    const failure = new ProviderError({ provider: 'anthropic', model: 'claude', code: 'overloaded', message: 'Overloaded', status: 529 })
    const events = await frames(chatStream([{ type: 'text-delta', text: 'Hel' }, { type: 'text-delta', text: 'lo' }], failure, { failAfter: 1 }))
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error' } } })
    expect(events.map((event) => event.event)).not.toContain('message_stop')
  })

  it('does not echo the message of an error that is not switchyard\'s', async () => {
    const events = await frames(chatStream([{ type: 'text-delta', text: 'Hi' }, { type: 'text-delta', text: '!' }], new Error('secret sk-live-123'), { failAfter: 1 }))
    expect(JSON.stringify(events.at(-1))).not.toContain('sk-live')
  })

  it('ends the router\'s iteration when the reader stops early', async () => {
    const stream = chatStream([{ type: 'text-delta', text: 'a' }, { type: 'text-delta', text: 'b' }, { type: 'text-delta', text: 'c' }], chatResult())
    for await (const frame of anthropicMessagesFormat.encodeStream(stream, request)) {
      if (frame.includes('content_block_delta')) break
    }
    expect(stream.cancelled()).toBe(true)
  })
})

describe('anthropicMessagesFormat.encodeError', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])('gives status %i the error type %s', (status, type) => {
    const error = new GatewayError({ status, code: 'upstream_failed', message: 'It failed.' })
    expect(anthropicMessagesFormat.encodeError(error)).toEqual({ type: 'error', error: { type, message: 'It failed.' } })
  })
})

/** What the official SDK makes of the format's bodies and frames, served as they are on loopback. */
describe('the official @anthropic-ai/sdk reading the format', () => {
  let server: Server
  let client: Anthropic
  let reply: { status: number; body?: unknown; frames?: AsyncIterable<string> } = { status: 200 }

  beforeAll(async () => {
    server = createServer((incoming, response) => {
      incoming.resume()
      incoming.on('end', () => {
        void (async () => {
          if (reply.frames === undefined) {
            response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body))
            return
          }
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          for await (const frame of reply.frames) response.write(frame)
          response.end()
        })()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    client = new Anthropic({ apiKey: 'test-key', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetries: 0 })
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('accumulates the stream into the same message as the plain answer', async () => {
    reply = { status: 200, frames: anthropicMessagesFormat.encodeStream(chatStream(toolChunks, toolResult), request) }
    const texts: string[] = []
    const stream = client.messages.stream({ model: 'fast', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }).on('text', (text) => texts.push(text))
    const message = await stream.finalMessage()
    const plain = anthropicMessagesFormat.encodeResult(toolResult, request) as Anthropic.Message
    expect(texts.join('')).toBe('Let me check.')
    expect(message.content).toEqual(plain.content.map((block) => (block.type === 'text' ? { type: 'text', text: block.text } : block)))
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 30, cache_read_input_tokens: 80, cache_creation_input_tokens: 10 })
  })

  it('raises an in-stream error event as the SDK\'s APIError', async () => {
    const failure = new ProviderError({ provider: 'anthropic', model: 'claude', code: 'overloaded', message: 'Overloaded', status: 529 })
    reply = { status: 200, frames: anthropicMessagesFormat.encodeStream(chatStream([{ type: 'text-delta', text: 'a' }, { type: 'text-delta', text: 'b' }], failure, { failAfter: 1 }), request) }
    const stream = client.messages.stream({ model: 'fast', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] })
    const error = await stream.finalMessage().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((error as InstanceType<typeof Anthropic.APIError>).message).toContain('overloaded_error')
  })

  it('raises a 400 body as BadRequestError with the field named', async () => {
    reply = { status: 400, body: anthropicMessagesFormat.encodeError(invalidField('messages.0.content.1.tool_use_id', 'must be a string, got number')) }
    const error = await client.messages.create({ model: 'fast', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages.0.content.1.tool_use_id: must be a string, got number' },
    })
  })
})
