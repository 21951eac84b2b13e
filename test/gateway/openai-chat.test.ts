import OpenAI from 'openai'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { byteOffsetOf, fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig, upstreamKey } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
let client: OpenAI
const directory = makeTempDirectory('gateway-openai-chat')

beforeAll(async () => {
  upstream = await startProviderServer()
  gateway = await startTestGateway(directory.path, { config: testConfig(upstream.url) })
  client = new OpenAI({ apiKey: 'unused-without-keys', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}, 60_000)

afterEach(() => upstream.reset())

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

describe('POST /v1/chat/completions with the official openai SDK', () => {
  it('answers a plain chat through a route, with cost and provider headers', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const { data, response } = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'Capital of France?' }], max_tokens: 300 })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe('The capital of France is Paris.')
    expect(data.choices[0]?.finish_reason).toBe('stop')
    expect(data.usage).toMatchObject({ prompt_tokens: 1290, completion_tokens: 212, total_tokens: 1502 })
    expect(response.headers.get('x-switchyard-provider')).toBe('up')
    expect(response.headers.get('x-switchyard-model')).toBe('o4-mini-2025-04-16')
    expect(response.headers.get('x-switchyard-attempts')).toBe('1')
    expect(response.headers.get('x-switchyard-cost-usd')).toMatch(/^\d+(\.\d+)?$/)
    const sent = upstream.lastRequest()
    expect(sent.json()).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 300 })
    expect(sent.headers.authorization).toBe(`Bearer ${upstreamKey}`)
  })

  it('takes provider/model as the model and passes fields it does not model through to an OpenAI target', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    await client.chat.completions.create({
      model: 'up/gpt-4.1',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      seed: 7,
      user: 'end-user-1',
      temperature: 0.5,
    })
    expect(upstream.lastRequest().json()).toMatchObject({ model: 'gpt-4.1', seed: 7, user: 'end-user-1', temperature: 0.5 })
  })

  it('streams text deltas and ends with [DONE], without a usage chunk unless asked', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe('Café ☕ au lait — 日本語 👍🏽')
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null)).toBe(true)
  })

  it('ends a stream with the usage chunk, cost included, when stream_options.include_usage asks', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const stream = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage).toMatchObject({ prompt_tokens: 2006, completion_tokens: 11, total_tokens: 2017 })
    expect((last.usage as unknown as { cost_usd: string }).cost_usd).toMatch(/^\d+\.\d+$/)
  })

  it('names the streaming target in the stream\'s headers and sends its cost as a trailer, the same as the usage chunk\'s', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const answer = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
    })
    expect(answer.statusCode).toBe(200)
    expect(answer.headers['x-switchyard-provider']).toBe('up')
    expect(answer.headers['x-switchyard-model']).toBe('gpt-4o-mini')
    expect(answer.headers['x-switchyard-attempts']).toBe('1')
    const body = await answer.body.text()
    const usageChunk = body.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as { usage?: { cost_usd?: string } }).at(-1)
    expect(usageChunk?.usage?.cost_usd).toMatch(/^\d+\.\d+$/)
    // Trailers are read once the body has been consumed.
    expect(answer.trailers['x-switchyard-cost-usd']).toBe(usageChunk?.usage?.cost_usd)
  })

  it('turns a stream cut after its first chunk into an in-stream error the SDK raises', async () => {
    const sse = fixture('openai/chat-stream.sse')
    upstream.reply({ sse, cutAfterBytes: byteOffsetOf(sse, '" lait'), cutMode: 'destroy' })
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((caught: unknown) => caught)
    expect(text.startsWith('Café')).toBe(true)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toContain('stream_cut: openai (gpt-4o-mini)')
    expect((error as Error).message).not.toContain(upstreamKey)
  })

  it('carries tool calls over two turns: the calls out, the results back in', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion-tool-calls.json') }, { body: fixtureJson('openai/chat-completion.json') })
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
    ]
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }]
    const first = await client.chat.completions.create({ model: 'smart', messages, tools, tool_choice: 'auto', parallel_tool_calls: true })
    const answer = first.choices[0]!.message
    expect(first.choices[0]?.finish_reason).toBe('tool_calls')
    expect(answer.tool_calls?.map((call) => call.type === 'function' ? call.function.name : '')).toEqual(['get_weather', 'get_time'])
    messages.push(answer)
    for (const call of answer.tool_calls ?? []) messages.push({ role: 'tool', tool_call_id: call.id, content: '{"ok":true}' })
    const second = await client.chat.completions.create({ model: 'smart', messages, tools })
    expect(second.choices[0]?.message.content).toBe('The capital of France is Paris.')
    const sent = upstream.lastRequest().json() as { messages: Array<Record<string, unknown>>; tools: unknown[] }
    expect(sent.tools).toHaveLength(2)
    expect(sent.messages[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', function: { name: 'get_weather' } }, { id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld' }] })
    expect(sent.messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', content: '{"ok":true}' })
  })

  it('streams tool-call deltas the SDK assembles into calls', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream-tool-calls.sse') })
    const stream = client.chat.completions.stream({ model: 'smart', messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] })
    const final = await stream.finalChatCompletion()
    const calls = final.choices[0]?.message.tool_calls ?? []
    expect(calls.length).toBeGreaterThan(0)
    expect(calls.every((call) => call.type === 'function' && call.id.length > 0 && call.function.name.length > 0)).toBe(true)
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('lists the routes and their provider/model targets at GET /v1/models', async () => {
    const models = await client.models.list()
    expect(models.data.map((model) => model.id).sort()).toEqual(['fast', 'smart', 'up/gpt-4o', 'up/gpt-4o-mini'])
  })
})
