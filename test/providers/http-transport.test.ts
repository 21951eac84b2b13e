import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible.js'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.js'
import { collect, fixture, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const apiKey = 'sk-test-SECRET123'
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] }
let server: ProviderServer
let provider: OpenAIProvider
let slowProvider: OpenAIProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1` })
  slowProvider = new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1`, timeoutMs: 1_500 })
})

// Each test scripts its own replies: a reply left over by a failed test must not feed the next.
beforeEach(() => server.reset())

/**
 * A request cut by a 30 ms abort may still reach the server after the test, on a loaded
 * machine, and take the next test's scripted reply: wait (bounded) for it to arrive.
 */
async function untilArrived(): Promise<void> {
  for (let waited = 0; server.requests.length === 0 && waited < 1_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
}

afterAll(async () => {
  await provider.close()
  await slowProvider.close()
  await server.close()
})

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise)
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

function expectNoSecret(error: Error, secret: string): void {
  expect(String(error)).not.toContain(secret)
  expect(error.stack).not.toContain(secret)
  expect(JSON.stringify(error)).not.toContain(secret)
  expect(String(error.cause ?? '')).not.toContain(secret)
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

describe('connections', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    const ok = { body: { id: 'chatcmpl-1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] } }
    server.reply(ok, ok)
    await provider.chat(request)
    // undici frees a connection for the pool a tick after the body ends.
    await new Promise((resolve) => setTimeout(resolve, 10))
    await provider.chat(request)
    const [first, second] = server.requests.slice(-2)
    expect(first?.remotePort).toBeDefined()
    expect(second?.remotePort).toBe(first?.remotePort)
  })

  it('refuses calls after close()', async () => {
    const closed = new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1` })
    await closed.close()
    const error = await providerError(closed.chat(request))
    expect(error.code).toBe('network')
  })
})

describe('transport failures', () => {
  it('reports a connection reset before the response as network, retryable, with no secret', async () => {
    server.reply({ reset: true })
    const error = await providerError(provider.chat(request))
    expect(error).toMatchObject({ code: 'network', retryable: true, provider: 'openai', model: 'gpt-4o-mini' })
    expectNoSecret(error, apiKey)
  })

  it('reports a refused connection as network, without the key or the query of the URL', async () => {
    const azure = createOpenAICompatibleProvider({
      providerName: 'azure.ai.openai',
      baseURL: `http://127.0.0.1:${await closedPort()}/openai/deployments/prod`,
      apiKey,
      authStyle: 'api-key',
      query: { 'api-version': '2024-10-21-SECRETVERSION' },
    })
    try {
      const error = await providerError(azure.chat(request))
      expect(error.code).toBe('network')
      expectNoSecret(error, apiKey)
      expectNoSecret(error, 'SECRETVERSION')
    } finally {
      await azure.close()
    }
  })

  it('reports an abort before the response as aborted, not retryable', async () => {
    server.reply({ delayMs: 5_000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const error = await providerError(provider.chat({ ...request, signal: controller.signal }))
    expect(error).toMatchObject({ code: 'aborted', retryable: false })
    await untilArrived()
  })

  it('reports a caller deadline (AbortSignal.timeout) as timeout', async () => {
    server.reply({ delayMs: 5_000 })
    const error = await providerError(provider.chat({ ...request, signal: AbortSignal.timeout(30) }))
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    await untilArrived()
  })

  it('reports no response headers within timeoutMs as timeout', async () => {
    server.reply({ delayMs: 5_000 })
    const error = await providerError(slowProvider.chat(request))
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
  })

  it('reports a stream that goes silent for longer than timeoutMs as timeout, with the partial text', async () => {
    const sse = fixture('openai/chat-stream.sse')
    server.reply({ sse, cutAfterBytes: Buffer.byteLength(sse.slice(0, sse.indexOf('data:', 400))), hang: true })
    const error = await providerError(collect(slowProvider.stream(request)))
    expect(error.code).toBe('timeout')
    expect(error.partialText).toBe('Café')
  })

  it('reports an abort in the middle of a stream as aborted, with the partial text', async () => {
    const sse = fixture('openai/chat-stream.sse')
    server.reply({ sse, cutAfterBytes: Buffer.byteLength(sse.slice(0, sse.indexOf('data:', 400))), hang: true })
    const controller = new AbortController()
    const events: string[] = []
    const error = await providerError(
      (async () => {
        for await (const event of provider.stream({ ...request, signal: controller.signal })) {
          if (event.type === 'text-delta') {
            events.push(event.text)
            controller.abort()
          }
        }
      })(),
    )
    expect(events).toEqual(['Café'])
    expect(error).toMatchObject({ code: 'aborted', partialText: 'Café' })
  })

  it('reports a non-JSON success body as a server error', async () => {
    server.reply({ body: '<html>gateway</html>' })
    const error = await providerError(provider.chat(request))
    expect(error).toMatchObject({ code: 'server_error' })
  })

  it('keeps working on the same pool after failures', async () => {
    server.reply({ body: { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] } })
    const result = await provider.chat(request)
    expect(result.text).toBe('ok')
    expect(result.usage.inputTokens).toBe(0)
  })

  it('keeps the first 64 KiB of an oversized error body and still reports the provider error', async () => {
    const padding = 'x'.repeat(200 * 1024)
    server.reply({ status: 500, body: `{"error":{"message":"overloaded ${padding}"}}`, chunkSizes: [16 * 1024] })
    const error = await providerError(provider.chat(request))
    expect(error).toMatchObject({ code: 'server_error', status: 500, retryable: true })
    expect(error.message.length).toBeLessThan(70 * 1024)
  })

  it('refuses a success body over 32 MiB instead of buffering it', async () => {
    server.reply({ body: `{"id":"${'y'.repeat(33 * 1024 * 1024)}"}`, chunkSizes: [4 * 1024 * 1024] })
    const error = await providerError(provider.chat(request))
    expect(error).toMatchObject({ code: 'server_error', retryable: false })
    expect(error.message).toContain('exceeded the limit of 33554432 bytes')
  })

  it('reports an abort while the JSON body is arriving as aborted', async () => {
    const body = JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] })
    server.reply({ body, cutAfterBytes: 10, hang: true })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const error = await providerError(provider.chat({ ...request, signal: controller.signal }))
    expect(error).toMatchObject({ code: 'aborted', retryable: false })
  })

  it('drops the connection of a stream its reader leaves early, and serves the next call', async () => {
    const sse = fixture('openai/chat-stream.sse')
    server.reply({ sse, cutAfterBytes: Buffer.byteLength(sse.slice(0, sse.indexOf('data:', 400))), hang: true })
    for await (const event of provider.stream(request)) {
      if (event.type === 'text-delta') break
    }
    server.reply({ body: { id: 'chatcmpl-2', choices: [{ message: { content: 'next' }, finish_reason: 'stop' }] } })
    const result = await provider.chat(request)
    expect(result.text).toBe('next')
  })
})
