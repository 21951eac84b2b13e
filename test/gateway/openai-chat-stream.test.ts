import { describe, expect, it } from 'vitest'
import { encodeOpenAIChatStream } from '../../src/gateway/openai/openai-chat-stream.js'
import type { ParsedClientRequest } from '../../src/gateway/wire-format.js'
import type { ChatResult, ChatStream, ChatStreamChunk } from '../../src/router/chat-request.js'

const request: ParsedClientRequest = {
  chat: { route: 'fast', messages: [{ role: 'user', content: 'Hi' }] },
  requestedModel: 'fast "quoted" \u2028 model',
  stream: true,
  includeUsage: true,
}

const result: ChatResult = {
  text: '',
  message: { role: 'assistant', content: '', toolCalls: [] },
  toolCalls: [],
  finishReason: 'stop',
  id: 'chatcmpl-1',
  usage: { inputTokens: 3, outputTokens: 4, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
  costUsd: '0.000001',
  costSource: 'catalog',
  provider: 'up',
  model: 'gpt-4o-mini-2024-07-18',
  route: 'fast',
  attempts: [],
}

function chatStream(chunks: ChatStreamChunk[]): ChatStream {
  async function* iterate(): AsyncGenerator<ChatStreamChunk> {
    for (const chunk of chunks) yield chunk
  }
  return Object.assign(iterate(), { result: Promise.resolve(result), cancel: () => undefined })
}

// Strings whose JSON escaping could differ if a frame were put together wrongly: quotes, backslashes, controls, line separators, astral and lone surrogates.
const texts = ['plain', '"quoted" \\ back', 'line\nbreak\ttab\u0000nul', '\u2028\u2029', 'é 漢字 🚀', '\ud800 lone', '']

describe('encodeOpenAIChatStream', () => {
  it('writes each text delta frame exactly as JSON.stringify of the chunk object would', async () => {
    const frames: string[] = []
    for await (const frame of encodeOpenAIChatStream(chatStream(texts.map((text) => ({ type: 'text-delta', text }))), request)) frames.push(frame)
    expect(frames).toHaveLength(texts.length + 4)
    const first = JSON.parse(/^data: (.*)\n\n$/s.exec(frames[0] ?? '')?.[1] ?? '') as { id: string; created: number }
    for (const [index, text] of texts.entries()) {
      const expected = { id: first.id, object: 'chat.completion.chunk', created: first.created, model: request.requestedModel, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] }
      expect(frames[index + 1]).toBe(`data: ${JSON.stringify(expected)}\n\n`)
    }
    expect(frames.at(-1)).toBe('data: [DONE]\n\n')
  })
})

function failingStream(chunks: ChatStreamChunk[], failure: Error): ChatStream {
  async function* iterate(): AsyncGenerator<ChatStreamChunk> {
    for (const chunk of chunks) yield chunk
    throw failure
  }
  const result = Promise.reject(failure)
  result.catch(() => undefined)
  return Object.assign(iterate(), { result, cancel: () => undefined })
}

describe('encodeOpenAIChatStream when the call fails', () => {
  it('rejects before any frame when it fails before its first chunk, so the server can still answer with a status', async () => {
    const failure = new Error('upstream refused')
    const iteration = encodeOpenAIChatStream(failingStream([], failure), request)[Symbol.asyncIterator]()
    await expect(iteration.next()).rejects.toBe(failure)
  })

  it('ends with an error frame and [DONE] when it fails after its first chunk, never echoing a foreign message', async () => {
    const frames: string[] = []
    for await (const frame of encodeOpenAIChatStream(failingStream([{ type: 'text-delta', text: 'Hel' }], new Error('secret sk-live-123')), request)) frames.push(frame)
    expect(frames).toHaveLength(4)
    expect(frames[1]).toContain('"content":"Hel"')
    const error = JSON.parse(/^data: (.*)\n\n$/s.exec(frames[2] ?? '')?.[1] ?? '') as { error?: { type?: string; message?: string } }
    expect(error.error?.type).toBe('server_error')
    expect(frames[2]).not.toContain('sk-live')
    expect(frames[3]).toBe('data: [DONE]\n\n')
  })
})
