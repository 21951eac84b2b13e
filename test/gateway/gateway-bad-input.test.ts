import { request as httpRequest } from 'node:http'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
const directory = makeTempDirectory('gateway-bad-input')
const maxBodyBytes = 64 * 1024

beforeAll(async () => {
  upstream = await startProviderServer()
  const config = testConfig(upstream.url, {
    providers: {
      up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` },
      claude: { type: 'anthropic', apiKey: 'sk-ant-upstream', baseURL: upstream.url },
    },
    routes: {
      fast: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
      mixed: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }, { provider: 'claude', model: 'claude-sonnet-4-5' }] },
      tiny: { targets: [{ provider: 'up', model: 'gpt-4o-mini', contextWindow: 64 }] },
    },
    gateway: { maxBodyBytes },
  })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(() => {
  // Nothing in this file may reach the provider.
  expect(upstream.requests).toHaveLength(0)
  upstream.reset()
})

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

interface ErrorAnswer {
  type?: string
  error: { message: string; type: string; code?: string; param?: string | null }
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: ErrorAnswer }> {
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  return { status: response.status, body: await response.json() as ErrorAnswer }
}

const hello = [{ role: 'user', content: 'hi' }]

describe('hostile and malformed requests', () => {
  it('answers malformed JSON with a 400 that does not quote the body', async () => {
    const answer = await post('/v1/chat/completions', '{"model": "fast", "messages": [ secret-looking-text')
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_invalid', param: 'body' })
    expect(JSON.stringify(answer.body)).not.toContain('secret-looking-text')
  })

  it.each([
    [{ model: 42, messages: hello }, 'model'],
    [{ model: 'fast', messages: 'hi' }, 'messages'],
    [{ model: 'fast', messages: [] }, 'messages'],
    [{ model: 'fast', messages: [{ role: 'wizard', content: 'hi' }] }, 'messages.0.role'],
    [{ model: 'fast', messages: [{ role: 'user', content: [{ type: 'text', text: 7 }] }] }, 'messages.0.content.0.text'],
    [{ model: 'fast', messages: hello, temperature: 9 }, 'temperature'],
    [{ model: 'fast', messages: hello, max_tokens: -1 }, 'max_tokens'],
    [{ model: 'fast', messages: hello, stop: Array.from({ length: 50 }, () => 'x') }, 'stop'],
    [{ model: 'fast', messages: hello, tools: [{ type: 'function', function: { name: '' } }] }, 'tools.0.function.name'],
    [{ model: 'fast', messages: hello, stream_options: { include_usage: true } }, 'stream_options'],
    [{ model: 'fast', messages: hello, n: 3 }, 'n'],
    [{ model: 'fast', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] }, 'messages.0.content.0.image_url.url'],
  ])('refuses %j with a 400 naming %s', async (body, param) => {
    const answer = await post('/v1/chat/completions', JSON.stringify(body))
    expect(answer.status).toBe(400)
    expect(answer.body.error.param).toBe(param)
  })

  it('answers a prompt no target\'s context window holds with a 400 context_length_exceeded, sending nothing', async () => {
    const long = [{ role: 'user', content: 'Summarize this ticket thread for the on-call engineer. '.repeat(40) }]
    const answer = await post('/v1/chat/completions', JSON.stringify({ model: 'tiny', messages: long, max_tokens: 16 }))
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' })
    expect(answer.body.error.message).toContain('up/gpt-4o-mini')
  })

  it('bounds the tags a request may set through headers and baggage', async () => {
    const body = JSON.stringify({ model: 'fast', messages: hello })
    const tags = Object.fromEntries(Array.from({ length: 33 }, (_unused, index) => [`x-switchyard-tag-t${index}`, 'v']))
    expect((await post('/v1/chat/completions', body, tags)).body.error.param).toBe('header x-switchyard-tag-*')
    const control = await post('/v1/chat/completions', body, { baggage: 'switchyard.step=' + 'y'.repeat(300) })
    expect(control.status).toBe(400)
    expect(control.body.error.param).toBe('baggage switchyard.step')
  })

  it('refuses a field switchyard does not model when a target of the route speaks another format', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
    const error = await client.chat.completions.create({ model: 'mixed', messages: [{ role: 'user', content: 'hi' }], seed: 7 }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('seed')
    expect((error as Error).message).toContain('anthropic')
  })

  it('refuses an Anthropic-only field sent to /v1/messages for an OpenAI target, in Anthropic\'s error shape', async () => {
    const answer = await post('/v1/messages', JSON.stringify({ model: 'fast', max_tokens: 10, messages: hello, mcp_servers: [{ type: 'url', url: 'http://127.0.0.1:1', name: 'x' }] }))
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(answer.body.error.message).toContain('mcp_servers')
  })

  it('refuses a body over maxBodyBytes by its Content-Length with a 413, before reading it', async () => {
    const answer = await post('/v1/chat/completions', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x'.repeat(maxBodyBytes) }] }))
    expect(answer.status).toBe(413)
    expect(answer.body.error.code).toBe('request_too_large')
  })

  it('stops reading a chunked body once it passes maxBodyBytes', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      request.on('error', reject)
      request.write(`{"model":"fast","messages":[{"role":"user","content":"`)
      // Bounded: at most 64 writes of 8 KiB (512 KiB), far past the 64 KiB bound; the answer comes first.
      let written = 0
      const writeMore = (): void => {
        if (written >= 64 || request.destroyed) return
        written += 1
        request.write('x'.repeat(8192), () => setImmediate(writeMore))
      }
      writeMore()
    })
    expect(status).toBe(413)
  })

  it('answers an unknown path with 404 and a wrong method with 405', async () => {
    expect((await fetch(`${gateway.url}/v1/nothing-here`)).status).toBe(404)
    expect((await fetch(`${gateway.url}/v1/chat/completions`)).status).toBe(405)
    expect((await fetch(`${gateway.url}/v1/models`, { method: 'DELETE' })).status).toBe(405)
  })

  it('does not let a pass-through field named __proto__ through', async () => {
    const answer = await post('/v1/chat/completions', '{"model":"fast","messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":true}}')
    expect(answer.status).toBe(400)
    expect(answer.body.error.param).toBe('__proto__')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('refuses a request whose Host is not loopback when the gateway has no keys (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/v1/models`, { headers: { host: 'evil.example:4000' } }, (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      request.on('error', reject)
      request.end()
    })
    expect(status).toBe(403)
  })
})
