import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import type { ChatStreamChunk } from '../../src/router/chat-request.js'
import { fixture, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

// The routed stream's reader is written by hand (not an async generator): these pin
// the generator behaviours it must keep, against a real loopback OpenAI-format server.

let upstream: ProviderServer
let router: Router | undefined

beforeAll(async () => {
  upstream = await startProviderServer()
})
afterAll(async () => {
  await upstream.close()
})
afterEach(async () => {
  await router?.close()
  router = undefined
  upstream.reset()
})

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]

function makeRouter(): Router {
  router = createRouter({
    providers: { primary: { type: 'openai', apiKey: 'sk-primary-SECRET', baseURL: `${upstream.url}/v1` } },
    routes: { smart: { targets: [{ provider: 'primary', model: 'o4-mini' }], retry: { attempts: 1 } } },
  })
  return router
}

function textOf(chunks: readonly ChatStreamChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.text : '')).join('')
}

describe('a routed stream read by hand', () => {
  it('answers next() calls made before the last one settled, in order, with the whole text', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: [40, 9, 300] })
    const stream = makeRouter().stream({ route: 'smart', messages })
    const iterator = stream[Symbol.asyncIterator]()
    const chunks: ChatStreamChunk[] = []
    for (let round = 0; round < 100; round++) {
      // Two reads at once: the second must wait for the first, as a generator's queue does.
      const [first, second] = await Promise.all([iterator.next(), iterator.next()])
      if (first.done !== true) chunks.push(first.value)
      if (second.done !== true) chunks.push(second.value)
      if (first.done === true || second.done === true) break
    }
    const result = await stream.result
    expect(chunks.length).toBeGreaterThan(1)
    expect(textOf(chunks)).toBe(result.text)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('cancels the call when the caller stops reading after the first chunk: the result rejects and the attempt is billed as cancelled', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: [60, 60, 60, 60, 60, 60, 60, 60, 60, 600] })
    const stream = makeRouter().stream({ route: 'smart', messages })
    const iterator = stream[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.done).toBe(false)
    expect(await iterator.return?.()).toEqual({ value: undefined, done: true })
    await expect(stream.result).rejects.toThrow('stream cancelled by the caller')
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('ends after the chunk in hand once cancel() is called', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: [2_000] })
    const stream = makeRouter().stream({ route: 'smart', messages })
    const received: ChatStreamChunk[] = []
    for await (const chunk of stream) {
      received.push(chunk)
      stream.cancel()
    }
    expect(received).toHaveLength(1)
    await expect(stream.result).rejects.toThrow('stream cancelled by the caller')
  })

  it('delivers the result to a caller that never iterates', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const stream = makeRouter().stream({ route: 'smart', messages })
    const result = await stream.result
    expect(result.text.length).toBeGreaterThan(0)
    expect(result.provider).toBe('primary')
    expect(stream.target).toEqual({ provider: 'primary', model: 'o4-mini', attempt: 1 })
  })

  it('makes no call when return() comes before the first read', async () => {
    const stream = makeRouter().stream({ route: 'smart', messages })
    const iterator = stream[Symbol.asyncIterator]()
    expect(await iterator.return?.()).toEqual({ value: undefined, done: true })
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    expect(upstream.requests).toHaveLength(0)
    // Whoever awaits the result hears that the stream ended unread, rather than waiting forever.
    await expect(stream.result).rejects.toThrow(/cancelled by the caller before the first read/)
  })
})
