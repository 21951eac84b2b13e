import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseSwitchyardConfig } from '../../src/config/switchyard-config.js'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { startGateway, type Gateway } from '../../src/gateway/start-gateway.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/*
 * The official @anthropic-ai/sdk against the real gateway (POST /v1/messages), routed
 * to real HTTP servers on loopback that speak Anthropic's, OpenAI's and Gemini's wire
 * formats with recorded bodies from test/fixtures.
 */

const upstreamKeys = { anthropic: 'sk-ant-upstream-secret-0001', openai: 'sk-openai-upstream-secret-0002', gemini: 'AIza-upstream-secret-0003' }
const teamA = createVirtualKey()
const teamB = createVirtualKey()
const throttled = createVirtualKey()
const broke = createVirtualKey()

let anthropicUpstream: ProviderServer
let openaiUpstream: ProviderServer
let geminiUpstream: ProviderServer
let hangingUpstream: Server
/** Resolves when the hanging upstream sees its client leave. */
let upstreamLeft: Promise<void> = Promise.resolve()
let gateway: Gateway
let client: Anthropic
const directory = makeTempDirectory('gateway-anthropic-sdk')

function sdk(apiKey: string): Anthropic {
  return new Anthropic({ apiKey, baseURL: gateway.url, maxRetries: 0 })
}

beforeAll(async () => {
  anthropicUpstream = await startProviderServer()
  openaiUpstream = await startProviderServer()
  geminiUpstream = await startProviderServer()
  hangingUpstream = await startHangingUpstream()
  const config = parseSwitchyardConfig({
    providers: {
      claude: { type: 'anthropic', apiKey: upstreamKeys.anthropic, baseURL: anthropicUpstream.url },
      gpt: { type: 'openai', apiKey: upstreamKeys.openai, baseURL: `${openaiUpstream.url}/v1` },
      gem: { type: 'gemini', apiKey: upstreamKeys.gemini, baseURL: geminiUpstream.url },
      slow: { type: 'anthropic', apiKey: upstreamKeys.anthropic, baseURL: `http://127.0.0.1:${(hangingUpstream.address() as AddressInfo).port}` },
    },
    routes: {
      claude: { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }], retry: { attempts: 1 } },
      gpt: { targets: [{ provider: 'gpt', model: 'gpt-4.1' }], retry: { attempts: 1 } },
      gemini: { targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }], retry: { attempts: 1 } },
      slow: { targets: [{ provider: 'slow', model: 'claude-sonnet-4-5' }], retry: { attempts: 1 } },
      mixed: { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }, { provider: 'gpt', model: 'gpt-4.1' }], retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    },
    gateway: {
      keys: [
        { name: 'team-a', hash: teamA.hash },
        { name: 'team-b', hash: teamB.hash, routes: ['gpt'] },
        { name: 'throttled', hash: throttled.hash, rateLimit: { requestsPerMinute: 1 } },
        { name: 'broke', hash: broke.hash },
      ],
    },
    budgets: [{ name: 'broke-daily', match: { 'tag.key': 'broke' }, window: '24h', limitUsd: '0.000001' }],
  })
  gateway = await startGateway({
    config,
    host: '127.0.0.1',
    port: 0,
    store: `chdb://${path.join(directory.path, 'store')}`,
    queueDirectory: path.join(directory.path, 'queue'),
    collector: { batchIntervalMs: 50, fsync: 'never' },
    telemetry: { scheduledDelayMillis: 50 },
  })
  client = sdk(teamA.key)
}, 60_000)

afterEach(() => {
  anthropicUpstream.reset()
  openaiUpstream.reset()
  geminiUpstream.reset()
})

afterAll(async () => {
  await gateway?.close()
  await Promise.all([anthropicUpstream?.close(), openaiUpstream?.close(), geminiUpstream?.close()])
  hangingUpstream?.closeAllConnections()
  await new Promise<void>((resolve) => (hangingUpstream === undefined ? resolve() : hangingUpstream.close(() => resolve())))
  directory.remove()
}, 60_000)

/** An Anthropic upstream that streams one text delta, then never ends; it notes when its client leaves. */
async function startHangingUpstream(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume()
    upstreamLeft = new Promise((resolve) => response.once('close', () => resolve()))
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    const start = { type: 'message_start', message: { id: 'msg_slow', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }
    response.write(`event: message_start\ndata: ${JSON.stringify(start)}\n\n`)
    response.write('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n')
    response.write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Once upon"}}\n\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather now in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
}

describe('POST /v1/messages with the official @anthropic-ai/sdk, to an Anthropic target', () => {
  it('answers messages.create with the message, Anthropic usage and the x-switchyard headers', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    const { data, response } = await client.messages
      .create({ model: 'claude', max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'Capital of France?' }] })
      .withResponse()
    expect(data.content).toEqual([{ type: 'text', text: 'The capital of France is Paris.', citations: null }])
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'claude', stop_reason: 'end_turn' })
    expect(data.id).toBe('msg_01HCvTg4xQe1kYpW7nR2sJ5m')
    // Anthropic's input_tokens leave the cached tokens out, as the upstream reported them.
    expect(data.usage).toMatchObject({ input_tokens: 21, output_tokens: 12, cache_read_input_tokens: 8192, cache_creation_input_tokens: 3072 })
    expect(response.headers.get('x-switchyard-provider')).toBe('claude')
    expect(response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-5-20250929')
    expect(response.headers.get('x-switchyard-cost-usd')).toMatch(/^\d+(\.\d+)?$/)
    expect((data.usage as unknown as { cost_usd: string }).cost_usd).toBe(response.headers.get('x-switchyard-cost-usd'))
    const sent = anthropicUpstream.lastRequest()
    expect(sent.json()).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'Capital of France?' }] })
    expect(sent.headers['x-api-key']).toBe(upstreamKeys.anthropic)
    expect(JSON.stringify(sent.headers)).not.toContain(teamA.key)
  })

  it('streams with messages.stream: text events, then the final message with the tool call and usage', async () => {
    anthropicUpstream.reply({ sse: fixture('anthropic/message-stream.sse') })
    const texts: string[] = []
    const stream = client.messages.stream({ model: 'claude', max_tokens: 1024, tools: [weatherTool], messages: [{ role: 'user', content: 'Météo à Zürich ?' }] })
    stream.on('text', (text) => texts.push(text))
    const message = await stream.finalMessage()
    expect(texts.join('')).toBe('Je vérifie la météo à Zürich ☀️ et 東京.')
    expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'thinking'])
    expect(message.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Zürich' } })
    expect(message.content[2]).toEqual({ type: 'thinking', thinking: 'Weather needs the tool.', signature: 'EqQBCkgIARABGAIiQL3r7v2pQ' })
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 18, output_tokens: 89, cache_read_input_tokens: 8192, cache_creation_input_tokens: 3072 })
    expect(anthropicUpstream.lastRequest().json()).toMatchObject({ stream: true })
    // The streamed thinking came last; sent back, it goes upstream first and untouched again.
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    await client.messages.create({
      model: 'claude',
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Météo à Zürich ?' },
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '21°C' }] },
      ],
    })
    const sent = anthropicUpstream.lastRequest().json() as { messages: { content: { type: string }[] }[] }
    expect(sent.messages[1]?.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use'])
    expect(sent.messages[1]?.content[0]).toEqual({ type: 'thinking', thinking: 'Weather needs the tool.', signature: 'EqQBCkgIARABGAIiQL3r7v2pQ' })
  })

  it('streams raw events in the order the API sends them, the cost in the final usage', async () => {
    anthropicUpstream.reply({ sse: fixture('anthropic/message-stream.sse') })
    const stream = await client.messages.create({ model: 'claude', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Météo ?' }] })
    const events: Anthropic.RawMessageStreamEvent[] = []
    for await (const event of stream) events.push(event)
    expect(events[0]?.type).toBe('message_start')
    expect(events.slice(-2).map((event) => event.type)).toEqual(['message_delta', 'message_stop'])
    const starts = events.filter((event) => event.type === 'content_block_start')
    expect(starts.map((event) => event.index)).toEqual([0, 1, 2])
    const delta = events.at(-2) as Anthropic.RawMessageDeltaEvent
    expect((delta.usage as unknown as { cost_usd: string }).cost_usd).toMatch(/^\d+\.\d+$/)
  })

  it('cancels the provider call when the client leaves mid-stream', async () => {
    const stream = client.messages.stream({ model: 'slow', max_tokens: 100, messages: [{ role: 'user', content: 'A long story, please.' }] })
    // The SDK rejects its own promises with APIUserAbortError on abort; that is the point here.
    stream.on('abort', () => undefined)
    const ended = stream.done().catch((error: unknown) => error)
    const firstText = new Promise<string>((resolve) => stream.once('text', resolve))
    expect(await firstText).toBe('Once upon')
    stream.abort()
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError)
    const timer = new AbortController()
    const left = await Promise.race([upstreamLeft.then(() => true), delay(10_000, false, { signal: timer.signal })])
    timer.abort()
    expect(left).toBe(true)
  })

  it('ends a stream that fails after its first delta with an error event, raised as the SDK\'s APIError', async () => {
    anthropicUpstream.reply({ sse: fixture('anthropic/message-stream-overloaded.sse') })
    const texts: string[] = []
    const stream = client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
    stream.on('text', (text) => texts.push(text))
    const error = await stream.finalMessage().catch((caught: unknown) => caught)
    expect(texts).toEqual(['Partial answer'])
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
  })

  it('carries a tool loop over two turns: thinking and tool_use back untouched, the tool_result in', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message-tool-use.json') }, { body: fixtureJson('anthropic/message.json') })
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.messages.create({ model: 'claude', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [weatherTool], messages })
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use'])
    const call = first.content.find((block) => block.type === 'tool_use')!
    expect(call).toMatchObject({ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } })
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C, sunny' }] })
    const second = await client.messages.create({ model: 'claude', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [weatherTool], messages })
    expect(second.content).toEqual([{ type: 'text', text: 'The capital of France is Paris.', citations: null }])
    const sent = anthropicUpstream.lastRequest().json() as { messages: { role: string; content: Record<string, unknown>[] }[]; thinking: unknown }
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    expect(sent.messages[1]?.content).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather; I should call the tool.', signature: 'EqQBCkgIARABGAIiQL3r7v2pQ' },
      { type: 'text', text: "I'll check the weather in Paris." },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
    ])
    expect(sent.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' }])
  })

  it('serves the SDK\'s beta client too (POST /v1/messages?beta=true), its beta fields passed untouched', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    const message = await client.beta.messages.create({
      model: 'claude',
      max_tokens: 100,
      betas: ['context-management-2025-06-27'],
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'The capital of France is Paris.' })
    expect(anthropicUpstream.lastRequest().json()).toMatchObject({ context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] } })
  })

  it('passes fields switchyard does not model untouched to an Anthropic target', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'A long, cached prompt.', cache_control: { type: 'ephemeral' } }]
    await client.messages.create({ model: 'claude', max_tokens: 100, system, metadata: { user_id: 'user-7f3a' }, messages: [{ role: 'user', content: 'Hi' }], top_k: 5 } as Anthropic.MessageCreateParamsNonStreaming)
    expect(anthropicUpstream.lastRequest().json()).toMatchObject({ top_k: 5, system, metadata: { user_id: 'user-7f3a' } })
  })
})

describe('a long conversation with cache hints, as Claude Code sends it', () => {
  it('reaches an Anthropic target, the system prompt with its cache hint, the long history without', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }]
    const history: Anthropic.MessageParam[] = []
    for (let turn = 0; turn < 40; turn += 1) {
      history.push({ role: 'user', content: [{ type: 'text', text: `Step ${turn}: ${'context '.repeat(300)}` }] }, { role: 'assistant', content: `Done with step ${turn}.` })
    }
    history.push({ role: 'user', content: [{ type: 'text', text: 'Next?', cache_control: { type: 'ephemeral' } }] })
    const message = await client.messages.create({ model: 'claude', max_tokens: 100, system, metadata: { user_id: 'session-1' }, messages: history })
    expect(message.content[0]).toMatchObject({ type: 'text' })
    const sent = anthropicUpstream.lastRequest().json() as { system: unknown; messages: unknown[]; metadata: unknown }
    expect(sent.system).toEqual(system)
    expect(sent.metadata).toEqual({ user_id: 'session-1' })
    expect(sent.messages).toHaveLength(81)
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'Next?' })
  })
})

describe('a route that falls back from an Anthropic target to an OpenAI one', () => {
  it('gives the Anthropic target the cache hints and user id, and the OpenAI target the same request in its own words', async () => {
    anthropicUpstream.reply({ status: 529, body: fixtureJson('anthropic/error-overloaded.json') })
    openaiUpstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]
    const { data, response } = await client.messages
      .create({ model: 'mixed', max_tokens: 100, system, metadata: { user_id: 'u-1' }, messages: [{ role: 'user', content: 'Capital of France?' }] })
      .withResponse()
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'The capital of France is Paris.' })
    expect(response.headers.get('x-switchyard-provider')).toBe('gpt')
    expect(anthropicUpstream.lastRequest().json()).toMatchObject({ system, metadata: { user_id: 'u-1' } })
    const sent = openaiUpstream.lastRequest().json() as Record<string, unknown>
    expect(sent.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }])
    expect(sent.metadata).toBeUndefined()
  })

  it('refuses a field the OpenAI target cannot honour, though the Anthropic one could', async () => {
    const error = await client.messages
      .create({ model: 'mixed', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], top_k: 3 } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as Error).message).toContain('top_k')
    expect(anthropicUpstream.requests).toHaveLength(0)
  })
})

describe('an Anthropic client routed to an OpenAI target', () => {
  it('carries a tool loop over two turns: OpenAI tool calls out as tool_use blocks, tool_result back as tool messages', async () => {
    openaiUpstream.reply({ body: fixtureJson('openai/chat-completion-tool-calls.json') }, { body: fixtureJson('openai/chat-completion.json') })
    const timeTool: Anthropic.Tool = { name: 'get_time', input_schema: { type: 'object', properties: { timezone: { type: 'string' } } } }
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }]
    const first = await client.messages.create({ model: 'gpt', max_tokens: 500, tools: [weatherTool, timeTool], tool_choice: { type: 'auto', disable_parallel_tool_use: false }, messages })
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content).toEqual([
      { type: 'tool_use', id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      { type: 'tool_use', id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld', name: 'get_time', input: { timezone: 'Europe/Paris' } },
    ])
    const asked = openaiUpstream.lastRequest().json() as Record<string, unknown>
    expect(asked.max_completion_tokens ?? asked.max_tokens).toBe(500)
    expect(asked).toMatchObject({
      model: 'gpt-4.1',
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'The weather now in a city' } }, { type: 'function', function: { name: 'get_time' } }],
      tool_choice: 'auto',
    })
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', content: [{ type: 'text', text: '18°C' }] },
          { type: 'tool_result', tool_use_id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld', content: '14:05' },
        ],
      },
    )
    const second = await client.messages.create({ model: 'gpt', max_tokens: 500, tools: [weatherTool, timeTool], messages })
    expect(second.content[0]).toMatchObject({ type: 'text', text: 'The capital of France is Paris.' })
    expect(second.stop_reason).toBe('end_turn')
    const sent = openaiUpstream.lastRequest().json() as { messages: Record<string, unknown>[] }
    expect(sent.messages[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }, { id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld' }] })
    expect(sent.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_q8WbX2nR5tLk9vYc3HjM7pZa', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_T4mGv6sPq1zNw8RkE2xBc9Ld', content: '14:05' },
    ])
  })

  it('streams OpenAI tool-call deltas that the SDK assembles into tool_use blocks', async () => {
    openaiUpstream.reply({ sse: fixture('openai/chat-stream-tool-calls.sse') })
    const stream = client.messages.stream({ model: 'gpt', max_tokens: 500, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] })
    const message = await stream.finalMessage()
    const calls = message.content.filter((block) => block.type === 'tool_use')
    expect(calls.length).toBeGreaterThan(0)
    expect(calls.every((call) => call.id.length > 0 && call.name.length > 0 && typeof call.input === 'object' && call.input !== null)).toBe(true)
    expect(message.stop_reason).toBe('tool_use')
  })

  it('takes cache_control, metadata.user_id and is_error across formats without refusing them', async () => {
    openaiUpstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    await client.messages.create({
      model: 'gpt',
      max_tokens: 100,
      metadata: { user_id: 'user-7f3a' },
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'city is required', is_error: true }] },
      ],
    })
    const sent = openaiUpstream.lastRequest().json() as { messages: Record<string, unknown>[] }
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' })
    expect(sent.messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'Error: city is required' })
    expect(JSON.stringify(sent)).not.toContain('cache_control')
  })

  it('answers 502 (InternalServerError) when the model\'s tool arguments are not a JSON object, as tool_use needs one', async () => {
    const answer = structuredClone(fixtureJson('openai/chat-completion-tool-calls.json')) as { choices: { message: { tool_calls: { function: { arguments: string } }[] } }[] }
    const [call] = answer.choices[0]?.message.tool_calls ?? []
    if (call !== undefined) call.function.arguments = '{"city": "Par'
    openaiUpstream.reply({ body: answer })
    const error = await client.messages.create({ model: 'gpt', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.InternalServerError)
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(502)
    expect((error as Error).message).toContain('call_q8WbX2nR5tLk9vYc3HjM7pZa')
  })

  it('refuses a field only Anthropic can honour with BadRequestError naming it, before any upstream call', async () => {
    const error = await client.messages
      .create({ model: 'gpt', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], top_k: 5 } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect((error as Error).message).toContain('top_k')
    expect(openaiUpstream.requests).toHaveLength(0)
  })
})

describe('an Anthropic client routed to a Gemini target', () => {
  it('answers messages.create from generateContent, the thought summary left out of the text', async () => {
    geminiUpstream.reply({ body: fixtureJson('gemini/generate-content.json') })
    const message = await client.messages.create({ model: 'gemini', max_tokens: 200, messages: [{ role: 'user', content: 'Capital of France?' }] })
    expect(message.content).toEqual([{ type: 'text', text: 'The capital of France is Paris.', citations: null }])
    expect(message.usage).toMatchObject({ input_tokens: 4391 - 4096, cache_read_input_tokens: 4096 })
    expect(geminiUpstream.lastRequest().url).toContain('gemini-2.5-flash:generateContent')
  })

  it('streams streamGenerateContent as Anthropic events', async () => {
    geminiUpstream.reply({ sse: fixture('gemini/stream-generate-content.sse') })
    const stream = client.messages.stream({ model: 'gemini', max_tokens: 200, messages: [{ role: 'user', content: 'Le ciel ?' }] })
    const texts: string[] = []
    stream.on('text', (text) => texts.push(text))
    const message = await stream.finalMessage()
    expect(texts.length).toBeGreaterThan(1)
    expect(message.content[0]).toMatchObject({ type: 'text', text: texts.join('') })
    expect(message.content[0]?.type === 'text' && message.content[0].text.startsWith('Le ciel de Zürich')).toBe(true)
  })

  it('carries a function call out as tool_use and its tool_result back as a functionResponse', async () => {
    geminiUpstream.reply({ body: fixtureJson('gemini/generate-content-function-call.json') }, { body: fixtureJson('gemini/generate-content.json') })
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.messages.create({ model: 'gemini', max_tokens: 200, tools: [weatherTool], messages })
    expect(first.stop_reason).toBe('tool_use')
    const call = first.content.find((block) => block.type === 'tool_use')!
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"temp":18}' }] })
    await client.messages.create({ model: 'gemini', max_tokens: 200, tools: [weatherTool], messages })
    const sent = geminiUpstream.lastRequest().json() as { contents: { role: string; parts: Record<string, unknown>[] }[] }
    // Gemini's signature on the call rode in a redacted_thinking block, and goes back on the call.
    expect(first.content[0]).toMatchObject({ type: 'redacted_thinking' })
    expect(sent.contents[1]?.parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CiQB0e2Kb9mN3qX7vT2sL8pW4rZ1kY6hJ5dF0gA9cE3bU7iQ' })
    expect(sent.contents[2]?.parts[0]).toMatchObject({ functionResponse: { name: 'get_weather' } })
  })
})

describe('an Anthropic client streaming to a Gemini target with tools', () => {
  it('streams the function call as tool_use and sends its signature back on the next turn', async () => {
    const answer = `data: ${JSON.stringify(fixtureJson('gemini/generate-content-function-call.json'))}\r\n\r\n`
    geminiUpstream.reply({ sse: answer }, { body: fixtureJson('gemini/generate-content.json') })
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.messages.stream({ model: 'gemini', max_tokens: 200, tools: [weatherTool], messages }).finalMessage()
    const call = first.content.find((block) => block.type === 'tool_use')!
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    expect(first.stop_reason).toBe('tool_use')
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"temp":18}' }] })
    await client.messages.create({ model: 'gemini', max_tokens: 200, tools: [weatherTool], messages })
    const sent = geminiUpstream.lastRequest().json() as { contents: { role: string; parts: Record<string, unknown>[] }[] }
    expect(sent.contents[1]?.parts[0]).toMatchObject({ thoughtSignature: 'CiQB0e2Kb9mN3qX7vT2sL8pW4rZ1kY6hJ5dF0gA9cE3bU7iQ' })
    expect(JSON.stringify(sent)).not.toContain('switchyard-state')
  })
})

describe('errors as the SDK\'s own classes', () => {
  it('BadRequestError names the bad field', async () => {
    const error = await client.messages
      .create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 42 }] }] } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as Error).message).toContain('messages.0.content.0.tool_use_id')
    expect(anthropicUpstream.requests).toHaveLength(0)
  })

  it('answers hostile bodies with Anthropic error bodies: malformed JSON, deep nesting, wrong types', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': teamA.key }, body })
    const malformed = await post('{"model": "claude", "max_tokens": ')
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const nested = await post(`{"model":"claude","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}]}]}`)
    expect(nested.status).toBe(400)
    // Refused when the body is read (naming the top-level field) or when it is parsed (naming the input): either way a 400, never a crash.
    expect(await nested.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^messages[.\w]*: nests deeper than \d+ levels$/) as unknown } })
    const wrongType = await post('{"model":"claude","max_tokens":"10","messages":[{"role":"user","content":"Hi"}]}')
    expect(await wrongType.json()).toMatchObject({ error: { message: expect.stringContaining('max_tokens') as unknown } })
    expect(anthropicUpstream.requests).toHaveLength(0)
  })

  it('AuthenticationError without a key or with a wrong one, never echoing it', async () => {
    for (const apiKey of ['', 'sy-not-a-real-key']) {
      const error = await sdk(apiKey).messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
      expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
      if (apiKey !== '') expect(JSON.stringify((error as InstanceType<typeof Anthropic.AuthenticationError>).error)).not.toContain(apiKey)
    }
  })

  it('NotFoundError for an unknown model', async () => {
    const error = await client.messages.create({ model: 'no-such-route', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.NotFoundError)
    expect((error as Error).message).toContain('no-such-route')
  })

  it('PermissionDeniedError for a model the key may not use', async () => {
    const error = await sdk(teamB.key).messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError)
    expect(anthropicUpstream.requests).toHaveLength(0)
  })

  it('RateLimitError with Retry-After once a key passes its rate limit', async () => {
    anthropicUpstream.reply({ body: fixtureJson('anthropic/message.json') })
    const limited = sdk(throttled.key)
    await limited.messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
    const error = await limited.messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(Number((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after'))).toBeGreaterThan(0)
    expect(anthropicUpstream.requests).toHaveLength(1)
  })

  it('RateLimitError (budget_exceeded) when the key\'s budget cannot cover the call, which never reaches the provider', async () => {
    const error = await sdk(broke.key).messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect((error as Error).message).toContain('broke-daily')
    expect(anthropicUpstream.requests).toHaveLength(0)
  })

  it('an upstream that fails is an api_error (InternalServerError) without the upstream key', async () => {
    anthropicUpstream.reply({ status: 500, body: fixtureJson('anthropic/error-api.json') })
    const error = await client.messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.InternalServerError)
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).error).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect((error as Error).message).not.toContain(upstreamKeys.anthropic)
  })
})
