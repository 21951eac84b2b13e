import { writeFileSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway } from './start-test-gateway.js'

/**
 * An OpenAI-format upstream that answers by model: `slow-stream` sends one chunk and
 * holds the stream open, `slow` holds the answer for a while, anything else answers at
 * once with its own model name. It reports when a held response is closed by the gateway.
 */
interface HoldingUpstream {
  url: string
  models: string[]
  /** Resolves when a held response's connection closes before it was finished. */
  nextAbandon(): Promise<void>
  /** Finish every held plain answer. */
  release(): void
  close(): Promise<void>
}

function chunk(model: string, content: string): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
}

function completion(model: string): string {
  return JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: `answered by ${model}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })
}

async function startHoldingUpstream(): Promise<HoldingUpstream> {
  const models: string[] = []
  const abandons: Array<() => void> = []
  const pendingAbandons: number[] = []
  const held: Array<(text: string) => void> = []
  const abandoned = (response: ServerResponse): void => {
    response.on('close', () => {
      if (response.writableFinished) return
      const waiter = abandons.shift()
      if (waiter === undefined) pendingAbandons.push(1)
      else waiter()
    })
  }
  const server: Server = createServer((request, response) => {
    let text = ''
    request.on('data', (data: Buffer) => (text += data.toString('utf8')))
    request.on('end', () => {
      const { model, stream } = JSON.parse(text) as { model: string; stream?: boolean }
      models.push(model)
      if (model === 'slow-stream' && stream === true) {
        abandoned(response)
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(chunk(model, 'first words'))
        return
      }
      if (model === 'slow') {
        abandoned(response)
        held.push((body) => response.writeHead(200, { 'content-type': 'application/json' }).end(body))
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(completion(model))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    models,
    nextAbandon: () => pendingAbandons.pop() === undefined ? new Promise<void>((resolve) => abandons.push(resolve)) : Promise.resolve(),
    release: () => held.splice(0).forEach((finish) => finish(completion('slow'))),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

let upstream: HoldingUpstream
let gateway: Gateway
let client: OpenAI
const directory = makeTempDirectory('gateway-lifecycle')
const configPath = path.join(directory.path, 'switchyard.config.json')

function writeConfig(model: string, extra: Record<string, unknown> = {}): void {
  writeFileSync(configPath, JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: { main: { targets: [{ provider: 'up', model }], retry: { attempts: 1 } } },
    ...extra,
  }))
}

beforeAll(async () => {
  upstream = await startHoldingUpstream()
  writeConfig('model-one')
  gateway = await startTestGateway(directory.path, { config: await loadConfig(configPath), configPath })
  client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}, 60_000)

afterAll(async () => {
  upstream.release()
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

/** Bounded wait for a promise in a test: 10 s. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000).unref())])
}

describe('client disconnects', () => {
  it('a client that leaves mid-stream closes the upstream stream', async () => {
    const controller = new AbortController()
    const stream = await client.chat.completions.create({ model: 'up/slow-stream', messages: [{ role: 'user', content: 'hi' }], stream: true }, { signal: controller.signal })
    const abandon = upstream.nextAbandon()
    for await (const part of stream) {
      if (part.choices[0]?.delta.content === 'first words') break
    }
    controller.abort()
    await within(abandon, 'the upstream connection to close')
  })

  it('a client that leaves before a plain answer cancels the upstream call', async () => {
    const controller = new AbortController()
    const abandon = upstream.nextAbandon()
    const call = client.chat.completions.create({ model: 'up/slow', messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal }).catch(() => 'aborted')
    for (let round = 0; round < 100 && !upstream.models.includes('slow'); round += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    expect(await call).toBe('aborted')
    await within(abandon, 'the upstream connection to close')
  })
})

describe('reload', () => {
  it('keeps serving the old config when the new file is bad, naming the bad field', async () => {
    writeConfig('model-one', { routes: { main: { targets: [{ provider: 'nowhere', model: 'x' }] } } })
    const outcome = await gateway.reload()
    expect(outcome.ok).toBe(false)
    expect(outcome.ok ? '' : outcome.error.message).toContain('routes.main.targets.0.provider')
    const answer = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] })
    expect(answer.choices[0]?.message.content).toBe('answered by model-one')
  })

  it('switches a route\'s model for new requests while a call in flight finishes on the old router', async () => {
    writeConfig('slow')
    expect((await gateway.reload()).ok).toBe(true)
    const inFlight = client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] })
    for (let round = 0; round < 100 && !upstream.models.includes('slow'); round += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    writeConfig('model-two')
    expect((await gateway.reload()).ok).toBe(true)
    const after = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] })
    expect(after.choices[0]?.message.content).toBe('answered by model-two')
    upstream.release()
    expect((await inFlight).choices[0]?.message.content).toBe('answered by slow')
  })
})

describe('limits', () => {
  it('answers 503 past maxConcurrentRequests and 504 past requestTimeoutMs', async () => {
    writeConfig('slow', { gateway: { maxConcurrentRequests: 1, requestTimeoutMs: 500 } })
    expect((await gateway.reload()).ok).toBe(true)
    const before = upstream.models.length
    const slow = client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught)
    for (let round = 0; round < 100 && upstream.models.length === before; round += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    const busy = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught)
    expect(busy).toBeInstanceOf(OpenAI.InternalServerError)
    expect((busy as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
    expect((busy as InstanceType<typeof OpenAI.APIError>).code).toBe('gateway_unavailable')
    const timedOut = await slow
    expect((timedOut as InstanceType<typeof OpenAI.APIError>).status).toBe(504)
    expect((timedOut as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout')
  })
})

describe('a stream past requestTimeoutMs', () => {
  it('ends with an in-stream 504 upstream_timeout error after its first chunk', async () => {
    writeConfig('model-one', { gateway: { requestTimeoutMs: 500 } })
    expect((await gateway.reload()).ok).toBe(true)
    const stream = await client.chat.completions.create({ model: 'up/slow-stream', messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    const error = await (async () => {
      for await (const part of stream) text += part.choices[0]?.delta.content ?? ''
    })().catch((caught: unknown) => caught)
    expect(text).toBe('first words')
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout')
  })
})

describe('shutdown', () => {
  it('lets a call in flight finish, then refuses new ones', async () => {
    writeConfig('slow')
    expect((await gateway.reload()).ok).toBe(true)
    const before = upstream.models.filter((model) => model === 'slow').length
    const inFlight = client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] })
    for (let round = 0; round < 100 && upstream.models.filter((model) => model === 'slow').length === before; round += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    const closing = gateway.close()
    setTimeout(() => upstream.release(), 100).unref()
    expect((await inFlight).choices[0]?.message.content).toBe('answered by slow')
    await closing
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow()
  })
})
