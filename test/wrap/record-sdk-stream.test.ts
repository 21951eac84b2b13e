import type OpenAI from 'openai'
import { beforeAll, describe, expect, it } from 'vitest'
import { instrument } from '../../src/wrap/instrument.js'
import { byteOffsetOf, collect, fixture, type ProviderServer } from '../helpers/provider-server.js'
import { openaiSdks } from './openai-sdks.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'

const messages = [{ role: 'user' as const, content: 'hi' }]
const chatStream = fixture('openai/chat-stream.sse')
const chatStreamWithoutUsage = fixture('wrap/chat-stream-without-usage.sse')

let recorder: SpanRecorder
let server: ProviderServer

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

async function readLines(stream: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const text = Buffer.concat(await collect(stream)).toString('utf8')
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown)
}

describe.each(openaiSdks)('a recorded SDK stream (openai v$major)', (sdk) => {
  let plain: OpenAI
  let wrapped: OpenAI

  function newClient(): OpenAI {
    return new sdk.OpenAI({ apiKey: 'sk-wrap-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 })
  }

  beforeAll(() => {
    plain = newClient()
    wrapped = instrument(newClient())
  })

  it('gives toReadableStream() the same lines as the unwrapped client, and records the call once', async () => {
    server.reply({ sse: chatStreamWithoutUsage }, { sse: chatStream })
    const expected = await readLines((await plain.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })).toReadableStream())
    const actual = await readLines((await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })).toReadableStream())
    expect(actual).toEqual(expected)
    expect(recorder.calls()).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['stop'], 'switchyard.cost.usd': '0.0001635' })
  })

  it('answers overlapping next() calls in order, with the added usage chunk still hidden', async () => {
    server.reply({ sse: chatStreamWithoutUsage }, { sse: chatStream })
    const expected = await collect(await plain.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }))
    const iterator = (await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }))[Symbol.asyncIterator]()
    const results = await Promise.all(Array.from({ length: expected.length + 2 }, () => iterator.next()))
    expect(results.filter((result) => result.done !== true).map((result) => result.value)).toEqual(expected)
    expect(results.slice(expected.length).every((result) => result.done === true)).toBe(true)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.cost.usd': '0.0001635', 'switchyard.cost.source': 'catalog' })
  })

  it('records a caller who aborts through stream.controller as cancelled', async () => {
    // The server sends the first two chunks, then waits: the abort is what ends the stream.
    server.reply({ sse: chatStream, cutAfterBytes: byteOffsetOf(chatStream, 'data: {"id":"chatcmpl-BzKA1xYq3vTnW8pLs6Hd2Rf0Gm","object":"chat.completion.chunk","created":1753871530,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c","choices":[{"index":0,"delta":{"content":" ☕ au'), hang: true })
    const stream = await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    const seen: string[] = []
    for await (const chunk of stream) {
      seen.push(chunk.choices[0]?.delta.content ?? '')
      if (chunk.choices[0]?.delta.content === 'Café') stream.controller.abort()
    }
    expect(seen.join('')).toBe('Café')
    const [call] = recorder.calls()
    expect(call!.attributes).toMatchObject({ 'error.type': 'cancelled', 'switchyard.cost.source': 'estimate' })
  })

  it('records a caller who cancels the readable stream as cancelled', async () => {
    server.reply({ sse: chatStream })
    const readable = (await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })).toReadableStream()
    const reader = readable.getReader()
    await reader.read()
    await reader.cancel()
    const [call] = recorder.calls()
    expect(call!.attributes).toMatchObject({ 'error.type': 'cancelled' })
  })

  it('records the call without an answer when an item has an unexpected shape, and still gives the caller every item', async () => {
    const malformed = chatStream.replace('"delta":{"content":"Café"}', '"delta":{"content":42}')
    expect(malformed).not.toBe(chatStream)
    server.reply({ sse: malformed }, { sse: malformed })
    const body = { model: 'gpt-4o-mini', messages, stream: true as const, stream_options: { include_usage: true } }
    const expected = await collect(await plain.chat.completions.create(body))
    const actual = await collect(await wrapped.chat.completions.create(body))
    expect(actual).toEqual(expected)
    const [call] = recorder.calls()
    expect(call!.status.code).not.toBe(2)
    expect(call!.attributes['gen_ai.response.finish_reasons']).toBeUndefined()
    expect(call!.attributes['gen_ai.usage.input_tokens']).not.toBe(2006)
    expect(call!.attributes['switchyard.cost.source']).toBe('estimate')
  })
})
